#include "container/process_setup.hpp"

#include "container/sync_socket.hpp"
#include "linux/process_attrs.hpp"
#include "linux/safe_path.hpp"
#include "util/strings.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace oci::core {

namespace {

void close_range_raw(unsigned first, unsigned last)
{
    if (first <= last)
        ::syscall(SYS_close_range, first, last, 0);
}

std::string home_of(uid_t uid)
{
    std::string text;
    try {
        util::unique_fd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
        auto fd = sys::open_in_root(root.get(), "/etc/passwd", O_RDONLY);
        char buf[65536];
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n > 0)
            text.assign(buf, static_cast<size_t>(n));
    } catch (const Error&) {
        return "/";
    }
    for (std::string_view line : util::lines(text)) {
        std::vector<std::string> f = util::split(std::string(line), ':');
        if (f.size() >= 6 && f[2] == std::to_string(uid))
            return f[5].empty() ? "/" : f[5];
    }
    return "/";
}

// HOME from the container's /etc/passwd when the config sets none, as runc.
std::vector<std::string> process_env(const spec::Process& p)
{
    std::vector<std::string> env = p.env;
    bool has_home = std::any_of(env.begin(), env.end(), [](const std::string& e) { return e.rfind("HOME=", 0) == 0; });
    if (!has_home)
        env.push_back("HOME=" + home_of(p.user.uid));
    return env;
}

// D3: the cwd is resolved inside the root without magic links.
util::unique_fd resolve_cwd(const std::string& cwd)
{
    util::unique_fd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        throw_errno("open /");
    return with_context("process.cwd " + cwd, [&] { return sys::open_in_root(root.get(), cwd, O_PATH | O_DIRECTORY); });
}

// ...and checked after the chdir: the kernel says "(unreachable)" for a cwd
// outside the root.
void enter_cwd(int cwd_fd, const std::string& cwd)
{
    if (::fchdir(cwd_fd) < 0)
        throw_errno("chdir to " + cwd);
    char buf[PATH_MAX];
    if (::getcwd(buf, sizeof buf) == nullptr || buf[0] != '/')
        throw Error("process.cwd " + cwd + " is outside the container");
}

} // namespace

void begin_setup_process(bool stay_dumpable)
{
    // If the parent is already gone, the first read on the sync socket sees EOF.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // D10: nothing in the container may ptrace or read us until execve.
    if (!stay_dumpable)
        ::prctl(PR_SET_DUMPABLE, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

void become_root_in_user_ns(bool setgroups_allowed)
{
    if (::setresgid(0, 0, 0) == 0 && setgroups_allowed)
        ::setgroups(0, nullptr);
    ::setresuid(0, 0, 0);
}

int move_above(int fd, int min_fd)
{
    if (fd < 0 || fd >= min_fd)
        return fd;
    int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, min_fd);
    if (moved < 0)
        throw_errno("move internal fd");
    ::close(fd);
    return moved;
}

void close_fds_except(int first, std::vector<int> keep)
{
    std::sort(keep.begin(), keep.end());
    unsigned from = static_cast<unsigned>(first);
    for (int fd : keep) {
        if (fd < first)
            continue;
        if (static_cast<unsigned>(fd) > from)
            close_range_raw(from, static_cast<unsigned>(fd) - 1);
        from = static_cast<unsigned>(fd) + 1;
    }
    close_range_raw(from, UINT_MAX);
}

ReadyProcess prepare_process(const spec::Process& p, const sys::CapabilitySets& caps, bool setgroups_allowed)
{
    util::unique_fd cwd = resolve_cwd(p.cwd);
    ReadyProcess ready;
    ready.env = process_env(p);
    sys::apply_rlimits(p.rlimits);
    sys::apply_bounding_set(caps);
    ::prctl(PR_SET_KEEPCAPS, 1);
    sys::apply_user(p.user, setgroups_allowed);
    ::prctl(PR_SET_KEEPCAPS, 0);
    if (p.capabilities)
        sys::apply_capability_sets(caps);
    else
        ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    // A uid change clears both; they must hold until execve.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::prctl(PR_SET_DUMPABLE, 0);
    enter_cwd(cwd.get(), p.cwd);
    ready.executable = sys::find_executable(p.args.at(0), ready.env);
    ::umask(p.user.umask.value_or(022));
    if (p.no_new_privileges)
        sys::set_no_new_privileges();
    return ready;
}

void exec_prepared(const spec::Process& p, const ReadyProcess& ready, unsigned preserve_fds)
{
    // D2: only stdio and the preserved fds survive into the container.
    close_fds_except(3 + static_cast<int>(preserve_fds), {});
    std::vector<char*> argv;
    for (const auto& a : p.args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : ready.env)
        envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    ::execve(ready.executable.c_str(), argv.data(), envp.data());
    std::string msg = "ocirun: exec " + ready.executable + ": " + std::strerror(errno) + "\n";
    (void)!::write(2, msg.data(), msg.size());
    ::_exit(127);
}

SeccompTiming seccomp_timing(const sys::SeccompProgram* program, const spec::Process& p)
{
    if (program == nullptr)
        return SeccompTiming::none;
    if (!p.no_new_privileges)
        return SeccompTiming::before_caps;
    return program->notify ? SeccompTiming::before_ready : SeccompTiming::before_exec;
}

void load_seccomp_now(const sys::SeccompProgram& program, int sync_fd)
{
    int listener = sys::load_seccomp(program);
    if (listener >= 0) {
        send_msg(sync_fd, Msg::seccomp_listener, 0, {}, listener);
        ::close(listener);
    }
}

void run_child(int& sync_fd, const std::function<void()>& body) noexcept
{
    try {
        body();
    } catch (const Error& e) {
        try {
            send_msg(sync_fd, Msg::error, e.code(), e.what());
        } catch (...) {
        }
    } catch (const std::exception& e) {
        try {
            send_msg(sync_fd, Msg::error, 0, e.what());
        } catch (...) {
        }
    }
    ::_exit(1);
}

} // namespace oci::core
