// exec: a new process in a running container. It joins the init's
// namespaces through its pidfd (the pid and time namespaces, which only apply
// to children, are entered by us around the clone), then takes the same
// process setup path as the init.
//
// Without privileges on the host we may not enter the container's pid
// namespace (that needs CAP_SYS_ADMIN in our own user namespace too). An
// intermediate process joins the user namespace first, then the pid and time
// namespaces, and clones the exec'd process as our child (CLONE_PARENT),
// sending us its pidfd, as runc's nsexec does with its stages.
#include "cgroups/driver.hpp"
#include "container/create.hpp"
#include "container/process_setup.hpp"
#include "container/processes.hpp"
#include "container/spawn.hpp"
#include "container/state_store.hpp"
#include "container/supervise.hpp"
#include "container/sync_socket.hpp"
#include "linux/proc_fd.hpp"
#include "linux/seccomp.hpp"
#include "linux/seccomp_cache.hpp"
#include "linux/seccomp_notify.hpp"
#include "linux/terminal.hpp"
#include "spec/validate.hpp"
#include "util/fault_point.hpp"
#include "util/fs.hpp"
#include "util/pidfd.hpp"

#include <oci/error.hpp>
#include <oci/runtime.hpp>

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace oci {

namespace {

struct NsKind {
    const char* name;
    int flag;
};

constexpr NsKind kNamespaces[] = {
    {"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},       {"net", CLONE_NEWNET}, {"ipc", CLONE_NEWIPC},
    {"uts", CLONE_NEWUTS},   {"cgroup", CLONE_NEWCGROUP}, {"pid", CLONE_NEWPID}, {"time", CLONE_NEWTIME},
};

// The namespaces the init is in and we are not. A namespace link reads
// "net:[4026531840]", its inode on the one nsfs: comparing the texts compares
// the namespaces, without the lookup that following each link would cost.
// The links are read by pid: an init that exits meanwhile (a zombie has no
// namespaces; a reused pid has others') would have the process run in our
// namespaces, on the host, so its pidfd must show it alive after the reads.
int namespaces_to_join(pid_t init, int init_pidfd)
{
    int flags = 0;
    bool gone = false;
    std::string theirs_dir = "/proc/" + std::to_string(init) + "/ns/";
    for (const auto& ns : kNamespaces) {
        char theirs[64], ours[64];
        ssize_t nt = ::readlink((theirs_dir + ns.name).c_str(), theirs, sizeof theirs);
        ssize_t no = ::readlink((std::string("/proc/self/ns/") + ns.name).c_str(), ours, sizeof ours);
        if (no <= 0)
            continue;   // a kernel without this namespace kind
        gone |= nt <= 0;
        if (nt > 0 &&
            std::string_view(theirs, static_cast<size_t>(nt)) != std::string_view(ours, static_cast<size_t>(no)))
            flags |= ns.flag;
    }
    // EPERM (rootless, the init under another of our subordinate uids) still says it lives.
    if (gone || (util::pidfd_send_signal(init_pidfd, 0) < 0 && errno == ESRCH))
        throw Error("cannot exec in a stopped container (its init has exited)", ESRCH);
    return flags;
}

// An unprivileged create denied setgroups in the container's user namespace
// unless newgidmap mapped its gids; the exec'd process must not try then.
bool setgroups_allowed_for(int proc_fd, pid_t init_pid)
{
    try {
        return util::read_file_at(proc_fd, std::to_string(init_pid) + "/setgroups").rfind("allow", 0) == 0;
    } catch (const Error&) {
        return ::geteuid() == 0;
    }
}

// Sets this process's oom_score_adj for a child to inherit; the destructor puts the
// old value back (best effort: lowering it again may need a privilege we lack).
class InheritedOomScore {
public:
    explicit InheritedOomScore(int value) : proc_(sys::open_trusted_proc())
    {
        saved_ = util::read_file_at(proc_.get(), "self/oom_score_adj");
        with_context("set oom_score_adj to " + std::to_string(value),
                     [&] { sys::write_proc_file(proc_.get(), "self/oom_score_adj", std::to_string(value)); });
    }
    ~InheritedOomScore()
    {
        try {
            sys::write_proc_file(proc_.get(), "self/oom_score_adj", saved_);
        } catch (const Error&) {
        }
    }
    InheritedOomScore(const InheritedOomScore&) = delete;
    InheritedOomScore& operator=(const InheritedOomScore&) = delete;

private:
    util::unique_fd proc_;
    std::string saved_;
};

struct ExecContext {
    const spec::Process* process = nullptr;
    sys::CapabilitySets capabilities;
    const sys::SeccompProgram* seccomp = nullptr;
    std::vector<cgroups::TasksFile>* cgroup_tasks = nullptr;   // v1: joined first thing
    int init_pidfd = -1;
    int join_flags = 0;          // joined by the child itself
    bool in_user_ns = false;     // the child is (or will be) in the container's user namespace
    int sync_fd = -1;
    unsigned preserve_fds = 0;
    bool setgroups_allowed = true;
};

void exec_sequence(ExecContext& c)
{
    const spec::Process& p = *c.process;
    // Born into the container's pid namespace, where it can see us: tests attack us here.
    util::fault_point("pause.exec-born");
    // Single-threaded, before anything else: "0" moves us without the
    // migration lock that the parent's write of our pid would take.
    if (c.cgroup_tasks)
        cgroups::join_tasks_files(*c.cgroup_tasks);
    core::begin_setup_process();
    int first_free = 3 + static_cast<int>(c.preserve_fds);
    c.sync_fd = core::move_above(c.sync_fd, first_free);
    c.init_pidfd = core::move_above(c.init_pidfd, first_free);
    // No host directory (not even a procfs) is open here: this process is in the
    // container's pid namespace already, and a container holding CAP_SYS_PTRACE could
    // reach the host through /proc/<pid>/fd (CVE-2016-9962, D2/D10).
    core::close_fds_except(first_free, {c.sync_fd, c.init_pidfd});

    core::Message go;
    if (!core::recv_msg(c.sync_fd, go))
        ::_exit(1);
    // Visible in the container's pid namespace from here on: tests attack us at this point.
    util::fault_point("pause.exec-joining");
    if (c.join_flags != 0 && ::setns(c.init_pidfd, c.join_flags) < 0)
        throw_errno("join the container's namespaces");
    ::close(c.init_pidfd);
    if (c.in_user_ns)
        core::become_root_in_user_ns(c.setgroups_allowed);
    util::fault_point("exec.after_join");

    if (p.terminal) {
        util::unique_fd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
        sys::Pty pty = sys::open_container_pty(root.get());
        if (p.console_size)
            sys::set_window_size(pty.master.get(), static_cast<unsigned>(p.console_size->height),
                                 static_cast<unsigned>(p.console_size->width));
        core::send_msg(c.sync_fd, core::Msg::pty_master, 0, {}, pty.master.get());
        sys::make_controlling_terminal(pty.slave.get());
    }
    // The container's seccomp filter applies to every process in it.
    core::SeccompTiming seccomp = core::seccomp_timing(c.seccomp, p);
    if (seccomp == core::SeccompTiming::before_caps)
        core::load_seccomp_now(*c.seccomp, c.sync_fd);
    util::fault_point("exec.before_caps");
    core::ReadyProcess ready = core::prepare_process(p, c.capabilities, c.setgroups_allowed);
    util::fault_point("exec.after_caps");
    if (seccomp == core::SeccompTiming::before_ready || seccomp == core::SeccompTiming::before_exec)
        core::load_seccomp_now(*c.seccomp, c.sync_fd);
    core::send_msg(c.sync_fd, core::Msg::created);
    // A detached process outlives `ocirun exec`.
    ::prctl(PR_SET_PDEATHSIG, 0);
    // The sync socket closes with every other fd at execve: the parent's EOF.
    core::exec_prepared(p, ready, c.preserve_fds);
}

// The intermediate of an unprivileged exec: joins the user namespace with
// the pid and time namespaces (for its children), clones the exec'd process
// as a sibling and hands its pidfd to the parent.
[[noreturn]] void join_and_clone(ExecContext& c, int children_ns_flags)
{
    core::run_child(c.sync_fd, [&] {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::prctl(PR_SET_DUMPABLE, 0);   // D10: before joining anything
        if (::setns(c.init_pidfd, CLONE_NEWUSER | children_ns_flags) < 0)
            throw_errno("join the container's user and pid namespaces");
        c.join_flags &= ~CLONE_NEWUSER;
        int pidfd = -1;
        pid_t pid = core::clone_with_pidfd(CLONE_PARENT, pidfd, -1);
        if (pid == 0)
            core::run_child(c.sync_fd, [&] { exec_sequence(c); });
        core::send_msg(c.sync_fd, core::Msg::process_pidfd, 0, {}, pidfd);
        ::_exit(0);
    });
}

// The host pid of the process behind a pidfd (its fdinfo's "Pid:" line is in
// our pid namespace).
pid_t pid_of_pidfd(int pidfd)
{
    std::string info = util::read_file("/proc/self/fdinfo/" + std::to_string(pidfd));
    auto at = info.find("\nPid:");
    if (at == std::string::npos)
        throw Error("no Pid in the fdinfo of the exec process's pidfd");
    long pid = std::stol(info.substr(at + 5));
    if (pid <= 0)   // -1: it has already exited; 0: outside our pid namespace
        throw Error("exec process exited before it ran");
    return static_cast<pid_t>(pid);
}

// Runs the intermediate and takes the exec'd process it reports as our child.
util::OwnedChild spawn_through_user_ns(ExecContext& ctx, int parent_sock, util::unique_fd& child_sock,
                                       int children_ns_flags)
{
    int pidfd = -1;
    pid_t pid = core::clone_with_pidfd(0, pidfd, -1);
    if (pid == 0)
        join_and_clone(ctx, children_ns_flags);
    util::OwnedChild intermediate(pid, util::unique_fd(pidfd));
    child_sock.reset();   // so that its exit reads as EOF
    core::Message m;
    if (!core::recv_msg(parent_sock, m)) {
        int status = intermediate.wait();
        throw Error("exec process exited before it ran (status " + std::to_string(util::exit_code_of(status)) + ")");
    }
    if (m.type == core::Msg::error)
        throw Error(m.text, m.err);
    if (m.type != core::Msg::process_pidfd || !m.fd)
        throw Error("exec: the intermediate process sent an unexpected message");
    pid_t child_pid = pid_of_pidfd(m.fd.get());
    util::OwnedChild child(child_pid, std::move(m.fd));
    intermediate.wait();
    return child;
}

// Waits until the child is about to execve; returns the terminal master if
// the caller must proxy it.
util::unique_fd follow_exec(int sync_fd, util::OwnedChild& child, const ExecOptions& o, const spec::Config& config,
                            const std::string& state_json)
{
    util::unique_fd master;
    bool ready = false;
    for (;;) {
        core::Message m;
        if (!core::recv_msg(sync_fd, m)) {
            if (ready)
                return master;
            int status = child.wait();
            throw Error("exec process exited before it ran (status " + std::to_string(util::exit_code_of(status)) + ")");
        }
        switch (m.type) {
        case core::Msg::created:
            ready = true;
            break;
        case core::Msg::error:
            throw Error(m.text, m.err);
        case core::Msg::seccomp_listener: {
            const auto& sc = *config.linux_config->seccomp;
            sys::send_seccomp_listener(sc.listener_path, m.fd.get(), child.pid(), state_json, sc.listener_metadata);
            break;
        }
        case core::Msg::pty_master:
            if (!o.console_socket.empty())
                sys::send_to_console_socket(o.console_socket, m.fd.get());
            else
                master = std::move(m.fd);
            break;
        default:
            throw Error("exec process sent an unexpected message");
        }
    }
}

} // namespace

int Runtime::exec(const std::string& id, const ExecOptions& options)
{
    return with_context("exec " + id, [&]() -> int {
        validate_container_id(id);
        util::unique_fd root_fd(::open(options_.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        util::unique_fd state_dir;
        auto rec = root_fd ? core::read_record_unlocked(root_fd.get(), id, &state_dir) : std::nullopt;
        if (!rec)
            throw Error("container " + id + " does not exist", ENOENT);
        // A pidfd of the init that checked its start time: the recorded status
        // stands, with no second look at /proc.
        util::unique_fd init = core::open_init_pidfd(*rec);
        Status status = init ? rec->status : core::live_status(*rec);
        if (status == Status::paused && !options.ignore_paused)
            throw Error("cannot exec in a paused container (use --ignore-paused to override)");
        if (status != Status::created && status != Status::running && status != Status::paused)
            throw Error("cannot exec in a " + std::string(to_string(status)) + " container");
        if (!init)
            throw Error("cannot exec in a stopped container");
        util::fault_point("exec.after_read_state");

        // From the directory the record came from: by its name, it may be another container's by now.
        spec::Config config = with_context("read the container's config", [&] {
            return spec::parse_config(util::read_file_at(state_dir.get(), core::kConfigCopy), "config.json");
        });
        static const spec::Process no_process;
        spec::Process process = exec_process(config.process ? *config.process : no_process, options);
        if (process.args.empty())
            throw Error("exec: no command given");
        // The overrides (--cap, --user, ...) are checked as a config's process is.
        spec::validate_process(process, "exec", "process");
        if (process.terminal && options.console_socket.empty() && options.detach)
            throw Error("cannot allocate a terminal for a detached exec without --console-socket");

        std::optional<sys::SeccompProgram> seccomp;
        if (config.linux_config && config.linux_config->seccomp)
            seccomp = sys::compile_seccomp_cached(*config.linux_config->seccomp,
                                                  sys::open_seccomp_cache(root_fd.get()).get());
        ExecContext ctx;
        ctx.process = &process;
        ctx.seccomp = seccomp ? &*seccomp : nullptr;
        if (process.capabilities)
            ctx.capabilities = sys::resolve_capabilities(*process.capabilities);
        int join = namespaces_to_join(rec->pid, init.get());
        ctx.join_flags = join & ~(CLONE_NEWPID | CLONE_NEWTIME);
        ctx.init_pidfd = init.get();
        ctx.preserve_fds = options.preserve_fds;
        ctx.setgroups_allowed = setgroups_allowed_for(sys::open_trusted_proc().get(), rec->pid);
        util::unique_fd parent_sock, child_sock;
        core::make_socketpair(parent_sock, child_sock);
        ctx.sync_fd = child_sock.get();

        // The exec'd process is limited and accounted with the container.
        std::unique_ptr<cgroups::Driver> cgroup;
        std::vector<cgroups::TasksFile> tasks;
        if (!rec->cgroup.empty()) {
            cgroup = cgroups::open_driver(rec->cgroup, rec->cgroup_layout);
            tasks = cgroup->open_tasks_files();
            ctx.cgroup_tasks = &tasks;
        }
        std::optional<core::SignalScope> signals;
        if (!options.detach)
            signals.emplace();
        // The child inherits oom_score_adj: set ours around the clone, through our own
        // procfs, so the child never needs a procfs fd of its own (it is non-dumpable, and
        // a rootless parent could not write its /proc files either).
        std::optional<InheritedOomScore> oom;
        if (process.oom_score_adj)
            oom.emplace(*process.oom_score_adj);
        util::OwnedChild child;
        ctx.in_user_ns = (join & CLONE_NEWUSER) != 0;
        if (ctx.in_user_ns && ::geteuid() != 0) {
            child = spawn_through_user_ns(ctx, parent_sock.get(), child_sock, join & (CLONE_NEWPID | CLONE_NEWTIME));
            if (cgroup)
                cgroup->add_process(child.pid());
        } else {
            std::optional<core::ChildrenNamespace> pid_ns, time_ns;
            if (join & CLONE_NEWPID) {
                pid_ns.emplace("/proc/self/ns/pid", CLONE_NEWPID);
                pid_ns->enter(init.get());
            }
            if (join & CLONE_NEWTIME) {
                time_ns.emplace("/proc/self/ns/time", CLONE_NEWTIME);
                time_ns->enter(init.get());
            }
            int pidfd = -1;
            pid_t pid = core::clone_with_pidfd(0, pidfd, cgroup ? cgroup->dir_fd_for_clone() : -1);
            if (pid == 0)
                core::run_child(ctx.sync_fd, [&] { exec_sequence(ctx); });
            child = util::OwnedChild(pid, util::unique_fd(pidfd));
            if (cgroup && cgroup->dir_fd_for_clone() < 0 && tasks.empty())
                cgroup->add_process(child.pid());
        }
        oom.reset();
        child_sock.reset();
        tasks.clear();
        util::fault_point("exec.after_spawn");
        core::send_msg(parent_sock.get(), core::Msg::go);
        util::unique_fd master = follow_exec(parent_sock.get(), child, options, config,
                                             state_to_json(core::to_public_state(*rec, status)));
        util::fault_point("exec.after_ready");
        if (!options.pid_file.empty())
            core::write_pid_file(options.pid_file, child.pid());
        if (options.detach) {
            child.release();
            return 0;
        }
        int code = core::supervise(child.pid(), child.pidfd(), signals->fd(), master.get());
        child.release();   // reaped by supervise
        return code;
    });
}

} // namespace oci
