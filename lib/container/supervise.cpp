#include "container/supervise.hpp"

#include "container/notify_socket.hpp"

#include "util/fs.hpp"
#include "util/pidfd.hpp"

#include <oci/error.hpp>
#include <oci/log.hpp>

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

namespace oci::core {

namespace {
constexpr int kForwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGCONT, SIGTSTP};
} // namespace

SignalScope::SignalScope()
{
    sigset_t set;
    sigemptyset(&set);
    for (int s : kForwarded)
        sigaddset(&set, s);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGWINCH);
    ::sigprocmask(SIG_BLOCK, &set, &old_);
    fd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd_)
        throw_errno("signalfd");
}

SignalScope::~SignalScope()
{
    ::sigprocmask(SIG_SETMASK, &old_, nullptr);
}

namespace {

// The host terminal in raw mode while a container terminal is attached.
class RawTerminal {
public:
    RawTerminal()
    {
        if (::isatty(0) && ::tcgetattr(0, &saved_) == 0) {
            struct termios raw = saved_;
            ::cfmakeraw(&raw);
            active_ = ::tcsetattr(0, TCSANOW, &raw) == 0;
        }
    }
    ~RawTerminal()
    {
        if (active_)
            ::tcsetattr(0, TCSANOW, &saved_);
    }

private:
    struct termios saved_{};
    bool active_ = false;
};

void copy_window_size(int master)
{
    struct winsize ws;
    if (master >= 0 && ::ioctl(0, TIOCGWINSZ, &ws) == 0)
        ::ioctl(master, TIOCSWINSZ, &ws);
}

// Copies what is readable from `from` to `to`; false on EOF or error.
bool pump(int from, int to)
{
    char buf[8192];
    ssize_t n = ::read(from, buf, sizeof buf);
    if (n <= 0)
        return n < 0 && (errno == EAGAIN || errno == EINTR);
    try {
        util::write_all(to, std::string_view(buf, static_cast<size_t>(n)), "terminal");
    } catch (const Error&) {
        return false;
    }
    return true;
}

} // namespace

int supervise(pid_t init, int init_pidfd, int sigfd, int master, NotifyProxy* notify)
{
    std::optional<RawTerminal> raw;
    if (master >= 0) {
        raw.emplace();
        copy_window_size(master);
    }
    bool stdin_open = master >= 0;
    bool master_open = master >= 0;
    int exit_status = -1;
    while (exit_status < 0 || master_open) {
        pollfd fds[4] = {{sigfd, POLLIN, 0},
                         {master_open ? master : -1, POLLIN, 0},
                         {stdin_open ? 0 : -1, POLLIN, 0},
                         {notify && exit_status < 0 ? notify->fd() : -1, POLLIN, 0}};
        // Once the process is gone, drain the terminal without blocking.
        int timeout = exit_status >= 0 ? 0 : -1;
        int n = ::poll(fds, 4, timeout);
        if (n < 0 && errno != EINTR)
            throw_errno("poll");
        if (n == 0 && exit_status >= 0)
            break;
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR))
            master_open = pump(master, 1);
        if (fds[2].revents & (POLLIN | POLLHUP | POLLERR))
            stdin_open = pump(0, master);
        if (fds[3].revents & POLLIN) {
            if (auto ready = notify->read_ready()) {
                // The container runs on without the host hearing of it: not worth killing it.
                try {
                    notify->forward(*ready, ::getpid(), false);
                } catch (const Error& e) {
                    log_warning(e.what());
                }
                notify = nullptr;   // runc forwards the first READY only
            }
        }
        if (fds[0].revents & POLLIN) {
            signalfd_siginfo si;
            while (::read(sigfd, &si, sizeof si) == sizeof si) {
                int sig = static_cast<int>(si.ssi_signo);
                if (sig == SIGCHLD) {
                    int status;
                    pid_t pid;
                    // We are a subreaper: reap orphans too, watch for the init.
                    while ((pid = ::waitpid(-1, &status, WNOHANG | __WALL)) > 0)
                        if (pid == init)
                            exit_status = util::exit_code_of(status);
                } else if (sig == SIGWINCH) {
                    copy_window_size(master);
                } else if (exit_status < 0) {
                    util::pidfd_send_signal(init_pidfd, sig);
                }
            }
        }
    }
    return exit_status;
}


} // namespace oci::core
