#include "linux/loopback.hpp"

#include "util/unique_fd.hpp"

#include <oci/error.hpp>

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>

namespace oci::sys {

void bring_up_loopback()
{
    util::unique_fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock)
        throw_errno("bring up loopback: socket");
    struct ifreq req;
    std::memset(&req, 0, sizeof req);
    std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
    if (::ioctl(sock.get(), SIOCGIFFLAGS, &req) < 0)
        throw_errno("bring up loopback: read the flags of lo");
    if (req.ifr_flags & IFF_UP)
        return;
    req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
    if (::ioctl(sock.get(), SIOCSIFFLAGS, &req) < 0)
        throw_errno("bring up loopback: set lo up");
}

} // namespace oci::sys
