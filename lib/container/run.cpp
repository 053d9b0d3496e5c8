// run: create + start, then (in the foreground) be the container's parent:
// forward signals, proxy the terminal, reap, and delete the container when
// its process exits, returning its exit code.
#include "container/create.hpp"
#include "util/fs.hpp"

#include <oci/error.hpp>
#include <oci/runtime.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

namespace oci {

namespace {

constexpr int kForwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGCONT, SIGTSTP};

// Blocks the signals run handles through a signalfd; restores the mask on exit.
class SignalScope {
public:
    SignalScope()
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
    ~SignalScope() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }
    int fd() const { return fd_.get(); }

private:
    sigset_t old_;
    util::unique_fd fd_;
};

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

int supervise(pid_t init, int init_pidfd, int sigfd, int master)
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
        pollfd fds[3] = {{sigfd, POLLIN, 0}, {master_open ? master : -1, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
        // Once the process is gone, drain the terminal without blocking.
        int timeout = exit_status >= 0 ? 0 : -1;
        int n = ::poll(fds, 3, timeout);
        if (n < 0 && errno != EINTR)
            throw_errno("poll");
        if (n == 0 && exit_status >= 0)
            break;
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR))
            master_open = pump(master, 1);
        if (fds[2].revents & (POLLIN | POLLHUP | POLLERR))
            stdin_open = pump(0, master);
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

} // namespace

int Runtime::run(const std::string& id, const RunOptions& options)
{
    if (options.detach) {
        create(id, options.create);
        start(id);
        return 0;
    }
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    SignalScope signals;
    core::CreatedContainer created =
        with_context("create " + id, [&] { return core::create_container(options_, id, options.create, true); });
    pid_t init = created.init.pid();
    int exit_code;
    try {
        start(id);
        exit_code = supervise(init, created.init.pidfd(), signals.fd(), created.pty_master.get());
        created.init.release();   // reaped by supervise
    } catch (...) {
        created.init.kill_and_reap();
        try {
            remove(id, true);
        } catch (...) {
        }
        throw;
    }
    remove(id, true);
    return exit_code;
}

} // namespace oci
