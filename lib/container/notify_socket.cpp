#include "container/notify_socket.hpp"
#include "util/fd_message.hpp"

#include "linux/detached_mount.hpp"
#include "util/pidfd.hpp"

#include <oci/error.hpp>
#include <oci/log.hpp>

#include <fcntl.h>
#include <linux/mount.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>

namespace oci::core {

namespace {

struct UnixAddress {
    sockaddr_un addr{};
    socklen_t len = 0;
};

UnixAddress unix_address(const std::string& path, const std::string& what)
{
    UnixAddress a;
    a.addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof a.addr.sun_path)
        throw Error(what + " " + path + ": not a usable socket path (empty or longer than " +
                    std::to_string(sizeof a.addr.sun_path - 1) + " bytes)", ENAMETOOLONG);
    std::memcpy(a.addr.sun_path, path.data(), path.size());
    bool abstract = path[0] == '@';
    if (abstract)
        a.addr.sun_path[0] = '\0';
    a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (abstract ? 0 : 1));
    return a;
}

util::unique_fd dgram_socket()
{
    util::unique_fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd)
        throw_errno("create notify socket");
    return fd;
}

void send_to(int fd, const UnixAddress& to, const std::string& text, int pass_fd, const std::string& host)
{
    if (int err = util::send_with_fd(fd, text.data(), text.size(), pass_fd, reinterpret_cast<const sockaddr*>(&to.addr),
                                     to.len))
        throw_errno("send to NOTIFY_SOCKET " + host, err);
}

// sd_notify_barrier: the host closes the pipe's write end we pass it once it
// has processed everything sent before; EOF on our end says so.
void barrier(int fd, const UnixAddress& to, const std::string& host)
{
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0)
        throw_errno("pipe for the notify barrier");
    util::unique_fd read_end(p[0]);
    {
        util::unique_fd write_end(p[1]);
        send_to(fd, to, "BARRIER=1", write_end.get(), host);
    }
    pollfd pfd{read_end.get(), POLLIN, 0};
    int n;
    while ((n = ::poll(&pfd, 1, 30000)) < 0 && errno == EINTR) {
    }
    if (n == 0)
        log_warning("NOTIFY_SOCKET " + host + " did not acknowledge the barrier within 30 s; going on");
}

} // namespace

util::unique_fd prepare_notify_socket(int state_dir_fd, const std::string& state_path, const std::string& host,
                                      bool own_mount_ns, spec::Config& config)
{
    unix_address(host, "NOTIFY_SOCKET");
    // 0755 and a 0777 socket: any user in the container may notify.
    if (::mkdirat(state_dir_fd, kNotifyDir, 0755) < 0)
        throw_errno("create " + state_path + "/" + kNotifyDir);
    std::string in_container;
    util::unique_fd mount;
    if (own_mount_ns) {
        std::string source = state_path + "/" + kNotifyDir;
        try {
            // Read-only: sending to a socket needs no write access to its file system.
            mount = sys::clone_bind_mount(source, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                                      MOUNT_ATTR_NOEXEC);
        } catch (const Error& e) {
            if (e.code() != EPERM)
                throw;
            // Without CAP_SYS_ADMIN over our mount namespace (rootless) no
            // mount can be cloned; the state directory is then the user's
            // own, which the container's user namespace can reach: a bind.
            spec::Mount m;
            m.destination = kNotifyDirInContainer;
            m.type = "bind";
            m.source = source;
            m.options = {"bind", "nosuid", "noexec", "nodev", "ro"};
            config.mounts.push_back(std::move(m));
        }
        in_container = std::string(kNotifyDirInContainer) + "/" + kNotifySocketName;
    } else {
        in_container = state_path + "/" + kNotifyDir + "/" + kNotifySocketName;
    }
    auto& env = config.process->env;
    env.erase(std::remove_if(env.begin(), env.end(), [](const std::string& e) { return e.rfind("NOTIFY_SOCKET=", 0) == 0; }),
              env.end());
    env.push_back("NOTIFY_SOCKET=" + in_container);
    return mount;
}

std::optional<NotifyProxy> NotifyProxy::bind(const std::string& state_path, const std::string& host)
{
    std::string dir_path = state_path + "/" + kNotifyDir;
    util::unique_fd dir(::open(dir_path.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) {
        if (errno == ENOENT)
            return std::nullopt;
        throw_errno("open " + dir_path);
    }
    unix_address(host, "NOTIFY_SOCKET");   // checked before anything is bound
    // Through /proc/self/fd: the state path may exceed sun_path's 108 bytes.
    std::string via_fd = "/proc/self/fd/" + std::to_string(dir.get()) + "/" + kNotifySocketName;
    ::unlinkat(dir.get(), kNotifySocketName, 0);   // a start that failed before may have left one
    util::unique_fd sock = dgram_socket();
    UnixAddress self = unix_address(via_fd, "notify socket");
    if (::bind(sock.get(), reinterpret_cast<const sockaddr*>(&self.addr), self.len) < 0)
        throw_errno("bind notify socket " + dir_path + "/" + kNotifySocketName);
    if (::fchmodat(dir.get(), kNotifySocketName, 0777, 0) < 0)
        throw_errno("chmod " + dir_path + "/" + kNotifySocketName);
    return NotifyProxy(std::move(sock), host);
}

std::optional<std::string> NotifyProxy::read_ready()
{
    char buf[4096];
    ssize_t n = ::recv(socket_.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0)
        return std::nullopt;
    std::string_view text(buf, static_cast<size_t>(n));
    size_t at = 0;
    while (at <= text.size()) {
        size_t end = std::min(text.find('\n', at), text.size());
        std::string_view line = text.substr(at, end - at);
        if (line.rfind("READY=", 0) == 0)
            return std::string(line);
        at = end + 1;
    }
    return std::nullopt;
}

void NotifyProxy::forward(const std::string& ready_line, pid_t main_pid, bool with_barrier)
{
    UnixAddress to = unix_address(host_, "NOTIFY_SOCKET");
    util::unique_fd out = dgram_socket();
    send_to(out.get(), to, ready_line + "\nMAINPID=" + std::to_string(main_pid) + "\n", -1, host_);
    if (with_barrier)
        barrier(out.get(), to, host_);
}

void forward_ready_or_exit(NotifyProxy& proxy, pid_t init)
{
    util::unique_fd pidfd(util::pidfd_open(init));
    if (!pidfd)
        return;   // already gone
    for (;;) {
        pollfd fds[2] = {{proxy.fd(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("wait for the container's READY");
        }
        if (fds[0].revents & POLLIN) {
            if (auto ready = proxy.read_ready()) {
                proxy.forward(*ready, init, true);
                return;
            }
            continue;
        }
        if (fds[1].revents)
            return;
    }
}

} // namespace oci::core
