#include "util/fd_message.hpp"

#include <cerrno>
#include <cstring>

namespace oci::util {

namespace {

int send_parts(int sock, const iovec* parts, std::size_t count, int fd, const sockaddr* to, socklen_t to_len)
{
    msghdr mh{};
    mh.msg_name = const_cast<sockaddr*>(to);
    mh.msg_namelen = to != nullptr ? to_len : 0;
    mh.msg_iov = const_cast<iovec*>(parts);
    mh.msg_iovlen = count;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (fd >= 0) {
        mh.msg_control = control;
        mh.msg_controllen = sizeof control;
        cmsghdr* c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    while (::sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
        if (errno != EINTR)
            return errno;
    return 0;
}

} // namespace

int send_with_fd(int sock, const void* data, std::size_t len, int fd, const sockaddr* to, socklen_t to_len)
{
    iovec iov{const_cast<void*>(data), len};
    return send_parts(sock, &iov, 1, fd, to, to_len);
}

int send_with_fd(int sock, const iovec* parts, std::size_t count, int fd)
{
    return send_parts(sock, parts, count, fd, nullptr, 0);
}

ssize_t recv_with_fd(int sock, void* data, std::size_t len, unique_fd& fd_out, bool* cut)
{
    iovec iov{data, len};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    mh.msg_control = control;
    mh.msg_controllen = sizeof control;
    ssize_t n;
    bool reset_seen = false;
    while ((n = ::recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0) {
        if (errno == EINTR)
            continue;
        if (errno == ECONNRESET && !reset_seen) {
            reset_seen = true;
            continue;
        }
        return -errno;
    }
    fd_out.reset();
    for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c != nullptr; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
            fd_out.reset(fd);
        }
    }
    if (cut != nullptr)
        *cut = (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
    return n;
}

} // namespace oci::util
