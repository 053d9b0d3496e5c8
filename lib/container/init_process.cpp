// The init sequence. Any failure is sent to the parent as errno + message
// and the child exits: no exception ever unwinds into the stack frames it
// shares (as a copy) with the parent.
#include "container/init_process.hpp"

#include "container/hooks.hpp"
#include "container/sync_socket.hpp"
#include "linux/devices.hpp"
#include "linux/masked_paths.hpp"
#include "linux/process_attrs.hpp"
#include "linux/rootfs.hpp"
#include "linux/safe_path.hpp"
#include "linux/terminal.hpp"
#include "util/fs.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <sstream>
#include <vector>

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

namespace oci::core {

namespace {

void close_range_raw(unsigned first, unsigned last, unsigned flags)
{
    if (first <= last)
        ::syscall(SYS_close_range, first, last, flags);
}

// Closes every fd from `first` up, except those in keep (D2): nothing the
// caller leaked, and no host directory, reaches the container.
void close_fds_except(int first, std::vector<int> keep)
{
    std::sort(keep.begin(), keep.end());
    unsigned from = static_cast<unsigned>(first);
    for (int fd : keep) {
        if (fd < first)
            continue;
        if (static_cast<unsigned>(fd) > from)
            close_range_raw(from, static_cast<unsigned>(fd) - 1, 0);
        from = static_cast<unsigned>(fd) + 1;
    }
    close_range_raw(from, UINT_MAX, 0);
}

// Moves an internal fd above the preserved range so closing it later cannot
// take a preserved fd with it.
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

Message expect(int sync_fd, Msg type)
{
    Message m;
    if (!recv_msg(sync_fd, m))
        ::_exit(1);   // the parent is gone: nothing to report to
    if (m.type != type)
        throw Error("unexpected message from the parent");
    return m;
}

// startContainer hooks see the container as running; the parent sent the
// document it wrote for "creating".
std::string running_state(std::string json)
{
    auto at = json.find("\"creating\"");
    if (at != std::string::npos)
        json.replace(at, 10, "\"running\"");
    return json;
}

// Runs the hooks that belong between the mounts and pivot_root: the parent's
// prestart and createRuntime (in the runtime's namespaces), then our
// createContainer (in the container's).
void run_create_hooks(const InitContext& c)
{
    const spec::Hooks& hooks = c.config->hooks;
    if (!hooks.prestart.empty() || !hooks.create_runtime.empty()) {
        send_msg(c.sync_fd, Msg::run_hooks);
        expect(c.sync_fd, Msg::hooks_done);
    }
    run_hooks(hooks.create_container, "createContainer", c.state_json);
}

void become_root_in_new_user_ns()
{
    // Only works when 0 is mapped; a config without it stays as mapped.
    if (::setresgid(0, 0, 0) == 0)
        ::setgroups(0, nullptr);
    ::setresuid(0, 0, 0);
}

void join_session_keyring(const std::string& id)
{
    std::string name = "_ses." + id;
    if (::syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name.c_str()) < 0 && errno != ENOSYS &&
        errno != EACCES && errno != EPERM && errno != EDQUOT)
        throw_errno("join session keyring " + name);
}

bool own_ns(const InitContext& c, spec::NamespaceType t)
{
    return c.namespaces->creates(t);
}

void setup_rootfs(const InitContext& c)
{
    const spec::Config& cfg = *c.config;
    const auto& lc = cfg.linux_config;
    static const spec::LinuxConfig empty;
    const spec::LinuxConfig& linux_cfg = lc ? *lc : empty;

    sys::MountContext mctx;
    mctx.rootfs = c.rootfs;
    mctx.bundle = c.bundle;
    mctx.in_user_ns = c.namespaces->has(spec::NamespaceType::user);
    mctx.own_cgroup_ns = own_ns(c, spec::NamespaceType::cgroup);
    mctx.own_net_ns = own_ns(c, spec::NamespaceType::network);
    mctx.own_cgroups = util::read_file_at(c.proc_fd, "self/cgroup");

    sys::prepare_rootfs(c.rootfs);
    util::unique_fd root(::open(c.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        throw_errno("open rootfs " + c.rootfs);

    // cgroup namespace after reading our cgroups: inside it every path is "/".
    if (c.unshare_flags & CLONE_NEWCGROUP) {
        if (::unshare(CLONE_NEWCGROUP) < 0)
            throw_errno("create cgroup namespace");
    }
    sys::mount_all(root.get(), cfg.mounts, mctx);
    if (sys::needs_dev_setup(cfg.mounts)) {
        sys::create_devices(root.get(), linux_cfg.devices, mctx.in_user_ns);
        sys::create_dev_symlinks(root.get());
    }
    if (c.process->terminal) {
        sys::Pty pty = sys::open_container_pty(root.get());
        if (c.process->console_size)
            sys::set_window_size(pty.master.get(), static_cast<unsigned>(c.process->console_size->height),
                                 static_cast<unsigned>(c.process->console_size->width));
        sys::mount_console(root.get(), pty.slave.get());
        send_msg(c.sync_fd, Msg::pty_master, 0, {}, pty.master.get());
        sys::make_controlling_terminal(pty.slave.get());
    }
    // Last, so nothing can be mounted over them (D8).
    sys::apply_readonly_paths(root.get(), linux_cfg.readonly_paths);
    sys::apply_masked_paths(root.get(), linux_cfg.masked_paths);
    run_create_hooks(c);
    sys::pivot_into(c.rootfs, c.no_pivot);
    sys::finish_root(linux_cfg.rootfs_propagation, cfg.root.readonly);
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
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::istringstream ls(line);
        std::string part;
        while (std::getline(ls, part, ':'))
            f.push_back(part);
        if (f.size() >= 6 && f[2] == std::to_string(uid))
            return f[5].empty() ? "/" : f[5];
    }
    return "/";
}

std::vector<std::string> process_env(const spec::Process& p)
{
    std::vector<std::string> env = p.env;
    bool has_home = std::any_of(env.begin(), env.end(), [](const std::string& e) { return e.rfind("HOME=", 0) == 0; });
    if (!has_home)
        env.push_back("HOME=" + home_of(p.user.uid));
    return env;
}

// D3: the cwd is resolved inside the root without magic links, and checked
// after the chdir: the kernel says "(unreachable)" for a cwd outside it.
util::unique_fd resolve_cwd(const std::string& cwd)
{
    util::unique_fd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        throw_errno("open /");
    return with_context("process.cwd " + cwd, [&] { return sys::open_in_root(root.get(), cwd, O_PATH | O_DIRECTORY); });
}

void enter_cwd(int cwd_fd, const std::string& cwd)
{
    if (::fchdir(cwd_fd) < 0)
        throw_errno("chdir to " + cwd);
    char buf[PATH_MAX];
    if (::getcwd(buf, sizeof buf) == nullptr || buf[0] != '/')
        throw Error("process.cwd " + cwd + " is outside the container");
}

void wait_for_start(int fifo_fd)
{
    char byte;
    for (;;) {
        ssize_t n = ::read(fifo_fd, &byte, 1);
        if (n == 1)
            return;
        if (n < 0 && errno == EINTR)
            continue;
        throw_errno("wait for start");
    }
}

void init_sequence(InitContext& ctx)
{
    const InitContext& c = ctx;
    const spec::Process& p = *c.process;
    const auto& lc = c.config->linux_config;

    // If the parent is already gone, the first read on sync_fd sees EOF.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // D10: nothing in the container may ptrace or read us until execve.
    ::prctl(PR_SET_DUMPABLE, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);

    int first_free = 3 + static_cast<int>(c.preserve_fds);
    // Internal fds move above the preserved range.
    int sync_fd = ctx.sync_fd = move_above(ctx.sync_fd, first_free);
    ctx.fifo_fd = move_above(ctx.fifo_fd, first_free);
    ctx.status_fd = move_above(ctx.status_fd, first_free);
    ctx.proc_fd = move_above(ctx.proc_fd, first_free);
    std::vector<int> keep = {ctx.sync_fd, ctx.fifo_fd, ctx.status_fd, ctx.proc_fd};
    for (const auto& j : c.namespaces->joins)
        keep.push_back(j.fd.get());
    close_fds_except(first_free, keep);

    ctx.state_json = expect(sync_fd, Msg::go).text;   // uid/gid maps are written
    const auto& ns = *c.namespaces;
    if (ns.joins_type(spec::NamespaceType::user))
        sys::join_namespaces(ns, true, false);
    if (ns.has(spec::NamespaceType::user))
        become_root_in_new_user_ns();
    sys::join_namespaces(ns, false, true);
    if (int flags = ctx.unshare_flags & ~CLONE_NEWCGROUP; flags != 0 && ::unshare(flags) < 0)
        throw_errno("create namespaces");
    if (!c.no_new_keyring)
        join_session_keyring(c.id);

    ::umask(0);
    if (ns.has(spec::NamespaceType::mount)) {
        setup_rootfs(ctx);
    } else {
        if ((ctx.unshare_flags & CLONE_NEWCGROUP) && ::unshare(CLONE_NEWCGROUP) < 0)
            throw_errno("create cgroup namespace");
        run_create_hooks(ctx);
    }
    if (!c.config->hostname.empty())
        sys::set_hostname(c.config->hostname);
    if (!c.config->domainname.empty())
        sys::set_domainname(c.config->domainname);
    if (lc)
        sys::apply_sysctls(ctx.proc_fd, lc->sysctl);
    if (p.oom_score_adj)
        sys::set_oom_score_adj(ctx.proc_fd, *p.oom_score_adj);
    ::close(ctx.proc_fd);   // no host directory stays open past this point

    util::unique_fd cwd = resolve_cwd(p.cwd);
    std::vector<std::string> env = process_env(p);
    sys::apply_rlimits(p.rlimits);
    sys::apply_bounding_set(c.capabilities);
    ::prctl(PR_SET_KEEPCAPS, 1);
    sys::apply_user(p.user, c.setgroups_allowed);
    ::prctl(PR_SET_KEEPCAPS, 0);
    if (p.capabilities)
        sys::apply_capability_sets(c.capabilities);
    else
        ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);   // a uid change cleared it
    ::prctl(PR_SET_DUMPABLE, 0);
    enter_cwd(cwd.get(), p.cwd);
    cwd.reset();
    std::string executable = sys::find_executable(p.args.at(0), env);
    ::umask(p.user.umask.value_or(022));
    if (p.no_new_privileges)
        sys::set_no_new_privileges();

    send_msg(sync_fd, Msg::created);
    expect(sync_fd, Msg::commit);
    ::prctl(PR_SET_PDEATHSIG, 0);   // the container outlives `ocirun create`
    ::close(sync_fd);

    wait_for_start(ctx.fifo_fd);
    try {
        run_hooks(c.config->hooks.start_container, "startContainer", running_state(ctx.state_json));
    } catch (const Error& e) {
        // `start` is waiting on start.status for this.
        std::string msg = e.what();
        (void)!::write(ctx.status_fd, msg.data(), msg.size());
        ::_exit(1);
    }
    // D2: only stdio and the preserved fds survive into the container; the
    // status fd closing tells `start` the process is about to run.
    close_fds_except(first_free, {});

    std::vector<char*> argv;
    for (const auto& a : p.args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : env)
        envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    ::execve(executable.c_str(), argv.data(), envp.data());
    // The parent is gone; stderr is all that is left to say it.
    std::string msg = "ocirun: exec " + executable + ": " + std::strerror(errno) + "\n";
    (void)!::write(2, msg.data(), msg.size());
    ::_exit(127);
}

} // namespace

void init_main(const InitContext& shared) noexcept
{
    InitContext ctx = shared;
    try {
        init_sequence(ctx);
    } catch (const Error& e) {
        try {
            send_msg(ctx.sync_fd, Msg::error, e.code(), e.what());
        } catch (...) {
        }
    } catch (const std::exception& e) {
        try {
            send_msg(ctx.sync_fd, Msg::error, 0, e.what());
        } catch (...) {
        }
    }
    ::_exit(1);
}

} // namespace oci::core
