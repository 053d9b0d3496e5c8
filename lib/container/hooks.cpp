#include "container/hooks.hpp"

#include "util/pidfd.hpp"

#include <oci/error.hpp>
#include <oci/log.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

namespace oci::core {

namespace {

constexpr size_t kMaxOutput = 16 * 1024;

struct Pipe {
    util::unique_fd read, write;
    Pipe()
    {
        int p[2];
        if (::pipe2(p, O_CLOEXEC) < 0)
            throw_errno("pipe");
        read.reset(p[0]);
        write.reset(p[1]);
    }
};

int64_t now_ms()
{
    struct timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// A hook may exit without reading its stdin: the write must then fail with
// EPIPE, not kill us with SIGPIPE (whose default disposition we must keep for
// the container's processes).
void write_state(int fd, const std::string& state_json)
{
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    ::sigprocmask(SIG_BLOCK, &pipe_set, &old);
    ssize_t n = ::write(fd, state_json.data(), state_json.size());
    if (n < 0 && errno == EPIPE) {
        struct timespec zero{};
        ::sigtimedwait(&pipe_set, nullptr, &zero);   // drop the pending SIGPIPE
    }
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
}

[[noreturn]] void exec_hook(const spec::Hook& hook, Pipe& in, Pipe& out)
{
    // Between fork and exec: only async-signal-safe calls.
    ::dup2(in.read.get(), 0);
    ::dup2(out.write.get(), 1);
    ::dup2(out.write.get(), 2);
    std::vector<char*> argv, envp;
    if (hook.args.empty())
        argv.push_back(const_cast<char*>(hook.path.c_str()));
    for (const auto& a : hook.args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : hook.env)
        envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    ::execve(hook.path.c_str(), argv.data(), envp.data());
    const char* msg = "exec failed: ";
    (void)!::write(2, msg, std::strlen(msg));
    const char* why = std::strerror(errno);
    (void)!::write(2, why, std::strlen(why));
    ::_exit(127);
}

void run_one(const spec::Hook& hook, const std::string& what, const std::string& state_json)
{
    Pipe in, out;
    // The state must not block the hook's start: a full pipe is the hook's
    // problem only once it runs, so write it without blocking.
    ::fcntl(in.write.get(), F_SETFL, O_NONBLOCK);
    pid_t pid = ::fork();
    if (pid < 0)
        throw_errno("fork " + what);
    if (pid == 0)
        exec_hook(hook, in, out);
    util::OwnedChild child(pid, util::unique_fd(util::pidfd_open(pid)));
    in.read.reset();
    out.write.reset();
    write_state(in.write.get(), state_json);
    in.write.reset();

    std::string output;
    ::fcntl(out.read.get(), F_SETFL, O_NONBLOCK);
    // Reads what is there; false at EOF. A grandchild may keep the pipe open
    // after the hook exits, so the hook's exit, not EOF, ends the wait.
    auto drain = [&] {
        char buf[4096];
        ssize_t r;
        while ((r = ::read(out.read.get(), buf, sizeof buf)) > 0)
            if (output.size() < kMaxOutput)
                output.append(buf, std::min(static_cast<size_t>(r), kMaxOutput - output.size()));
        return r != 0;
    };
    int64_t deadline = hook.timeout ? now_ms() + *hook.timeout * 1000 : -1;
    bool out_open = true;
    for (;;) {
        pollfd fds[2] = {{out_open ? out.read.get() : -1, POLLIN, 0}, {child.pidfd(), POLLIN, 0}};
        int timeout = deadline < 0 ? -1 : static_cast<int>(std::max<int64_t>(0, deadline - now_ms()));
        int n = ::poll(fds, 2, timeout);
        if (n < 0 && errno != EINTR)
            throw_errno("wait for " + what);
        if (n == 0) {
            child.kill_and_reap();
            throw Error(what + ": timed out after " + std::to_string(*hook.timeout) + "s");
        }
        if (fds[0].revents)
            out_open = drain();
        if (fds[1].revents & POLLIN) {
            drain();
            break;
        }
    }
    int status = child.wait();
    while (!output.empty() && (output.back() == '\n' || output.back() == ' '))
        output.pop_back();
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return;
    std::string how = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                          : "exit status " + std::to_string(WEXITSTATUS(status));
    throw Error(what + ": " + how + (output.empty() ? std::string() : ": " + output));
}

std::string describe(const char* kind, size_t i, const spec::Hook& hook)
{
    return std::string(kind) + " hook #" + std::to_string(i) + " (" + hook.path + ")";
}

} // namespace

void run_hooks(const std::vector<spec::Hook>& hooks, const char* kind, const std::string& state_json)
{
    for (size_t i = 0; i < hooks.size(); ++i)
        run_one(hooks[i], describe(kind, i, hooks[i]), state_json);
}

void run_hooks_best_effort(const std::vector<spec::Hook>& hooks, const char* kind, const std::string& state_json)
{
    for (size_t i = 0; i < hooks.size(); ++i) {
        try {
            run_one(hooks[i], describe(kind, i, hooks[i]), state_json);
        } catch (const Error& e) {
            log_warning(e.what());
        }
    }
}

} // namespace oci::core
