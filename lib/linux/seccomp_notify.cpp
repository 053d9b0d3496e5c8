// The seccomp agent protocol of the runtime spec: one container process
// state per connection, the listener fd in SCM_RIGHTS.
#include "linux/seccomp_notify.hpp"

#include "ocirun_config.h"
#include "spec/json_writer.hpp"
#include "util/unique_fd.hpp"

#include <oci/error.hpp>

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

namespace oci::sys {

std::string container_process_state(pid_t pid, const std::string& state_json, const std::string& metadata)
{
    spec::json::Writer w(false);
    w.begin_object();
    w.key("ociVersion");
    w.string(OCIRUN_SPEC_VERSION);
    w.key("fds");
    w.strings({"seccompFd"});
    w.key("pid");
    w.integer(pid);
    if (!metadata.empty()) {
        w.key("metadata");
        w.string(metadata);
    }
    w.end_object();
    // The state arrives serialized; it goes in as the last member.
    std::string text = w.text();
    text.pop_back();   // the closing brace
    return text + ",\"state\":" + state_json + "}";
}

void send_seccomp_listener(const std::string& listener_path, int listener_fd, pid_t pid,
                           const std::string& state_json, const std::string& metadata)
{
    const std::string what = "send seccomp listener to " + listener_path;
    struct sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (listener_path.empty() || listener_path.size() >= sizeof addr.sun_path)
        throw Error(what + ": path must have 1 to " + std::to_string(sizeof addr.sun_path - 1) + " bytes");
    std::memcpy(addr.sun_path, listener_path.c_str(), listener_path.size() + 1);

    util::unique_fd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock)
        throw_errno(what + ": socket");
    int rc;
    do
        rc = ::connect(sock.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr);
    while (rc < 0 && errno == EINTR);
    if (rc < 0)
        throw_errno(what + ": connect");

    std::string message = container_process_state(pid, state_json, metadata);
    // The fd rides on the first sendmsg only, as the spec requires when the
    // data takes more than one call.
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    std::memset(&control, 0, sizeof control);
    std::size_t sent = 0;
    bool fd_sent = false;
    while (sent < message.size()) {
        struct iovec iov{message.data() + sent, message.size() - sent};
        struct msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        if (!fd_sent) {
            msg.msg_control = control.buf;
            msg.msg_controllen = sizeof control.buf;
            struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
            cmsg->cmsg_level = SOL_SOCKET;
            cmsg->cmsg_type = SCM_RIGHTS;
            cmsg->cmsg_len = CMSG_LEN(sizeof(int));
            std::memcpy(CMSG_DATA(cmsg), &listener_fd, sizeof(int));
        }
        ssize_t n = ::sendmsg(sock.get(), &msg, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw_errno(what + ": sendmsg");
        fd_sent = true;
        sent += static_cast<std::size_t>(n);
    }
}

} // namespace oci::sys
