// Fixed header + bounded text per datagram; SEQPACKET keeps message borders.
#include "container/sync_socket.hpp"
#include "util/fd_message.hpp"
#include "util/spin_wait.hpp"

#include <oci/error.hpp>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace oci::core {

namespace {

struct Header {
    uint32_t type;
    int32_t err;
    uint32_t text_len;
};

constexpr size_t kMaxText = 60 * 1024;   // a state document with annotations

} // namespace

Doorbell::Doorbell() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_SEMAPHORE))
{
    if (!fd_)
        throw_errno("eventfd");
}

void Doorbell::ring() const
{
    uint64_t one = 1;
    if (::write(fd_.get(), &one, sizeof one) != sizeof one)
        throw_errno("wake the container's init");
}

bool Doorbell::wait(int fd, int sock)
{
    // Not POLLIN on the socket: its wakeup is the one the doorbell avoids.
    pollfd fds[2] = {{fd, POLLIN, 0}, {sock, POLLRDHUP, 0}};
    // The parent rings within tens of microseconds, mostly.
    util::spin_until_readable(fd, util::kReplyWaitNs);
    for (;;) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("wait for the parent");
        }
        if (fds[0].revents & POLLIN)
            break;
        if (fds[1].revents & (POLLRDHUP | POLLHUP | POLLERR))
            return false;
    }
    uint64_t value;
    ssize_t n;
    while ((n = ::read(fd, &value, sizeof value)) < 0 && errno == EINTR) {
    }
    if (n != sizeof value)
        throw_errno("wait for the parent", n < 0 ? errno : EIO);
    return true;
}

void make_socketpair(util::unique_fd& parent_end, util::unique_fd& child_end)
{
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        throw_errno("socketpair");
    parent_end.reset(sv[0]);
    child_end.reset(sv[1]);
}

void send_msg(int sock, Msg type, int32_t err, const std::string& text, int fd)
{
    // Refused, never cut: a truncated state document would reach the hooks as another
    // document (the length confusion of CVE-2021-43784, D12).
    if (text.size() > kMaxText)
        throw Error("message to the container's init too long: " + std::to_string(text.size()) +
                    " bytes, at most " + std::to_string(kMaxText), EMSGSIZE);
    Header h{static_cast<uint32_t>(type), err, static_cast<uint32_t>(text.size())};
    iovec parts[2] = {{&h, sizeof h}, {const_cast<char*>(text.data()), text.size()}};
    if (int failed = util::send_with_fd(sock, parts, 2, fd))
        throw_errno("send to container init", failed);
}

bool recv_msg(int sock, Message& out)
{
    // Not zeroed: only the pages the kernel writes into are ever touched. A
    // fresh page costs a fault, and each new process of ours starts with none.
    std::unique_ptr<char[]> buf(new char[sizeof(Header) + kMaxText]);
    bool cut = false;
    ssize_t n = util::recv_with_fd(sock, buf.get(), sizeof(Header) + kMaxText, out.fd, &cut);
    if (n < 0)
        throw_errno("receive from container init", static_cast<int>(-n));
    if (n == 0)
        return false;
    Header h;
    if (cut)
        throw Error("container init sent an oversized message");
    if (static_cast<size_t>(n) < sizeof h)
        throw Error("container init sent a truncated message");
    std::memcpy(&h, buf.get(), sizeof h);
    if (h.text_len > kMaxText || sizeof h + h.text_len != static_cast<size_t>(n))
        throw Error("container init sent a malformed message");
    out.type = static_cast<Msg>(h.type);
    out.err = h.err;
    out.text.assign(buf.get() + sizeof h, h.text_len);
    return true;
}

} // namespace oci::core
