// One datagram or SEQPACKET message on a unix socket, with an fd in
// SCM_RIGHTS when one is given: the init protocol, the console socket and the
// sd_notify proxy all send this shape, and the init protocol and the network
// namespace's handover receive it.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include "util/unique_fd.hpp"

#include <sys/types.h>

#include <cstddef>

namespace oci::util {

// sendmsg of len bytes (and fd when >= 0) to sock, or to `to` on an
// unconnected socket; retries on EINTR, never raises SIGPIPE. Returns 0 or
// the errno, for the caller to name what it was sending.
int send_with_fd(int sock, const void* data, std::size_t len, int fd, const sockaddr* to = nullptr,
                 socklen_t to_len = 0);

// The same with the message in parts (gathered by the kernel, not copied here).
int send_with_fd(int sock, const iovec* parts, std::size_t count, int fd);

// recvmsg of up to len bytes, with an fd that came in SCM_RIGHTS (made
// close-on-exec) in fd_out. Retries on EINTR, and reads on past the
// ECONNRESET that the kernel reports once, ahead of what the peer sent, when
// the peer exited with a message of ours unread. Returns the byte count (0:
// EOF) or -errno; `cut` (if given) says whether the message or its fds were
// cut short.
ssize_t recv_with_fd(int sock, void* data, std::size_t len, unique_fd& fd_out, bool* cut = nullptr);

} // namespace oci::util
