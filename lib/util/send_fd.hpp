// One datagram or SEQPACKET message on a unix socket, with an fd in
// SCM_RIGHTS when one is given: the init protocol, the console socket and the
// sd_notify proxy all send this shape.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>

namespace oci::util {

// sendmsg of len bytes (and fd when >= 0) to sock, or to `to` on an
// unconnected socket; retries on EINTR, never raises SIGPIPE. Returns 0 or
// the errno, for the caller to name what it was sending.
int send_with_fd(int sock, const void* data, std::size_t len, int fd, const sockaddr* to = nullptr,
                 socklen_t to_len = 0);

// The same with the message in parts (gathered by the kernel, not copied here).
int send_with_fd(int sock, const iovec* parts, std::size_t count, int fd);

} // namespace oci::util
