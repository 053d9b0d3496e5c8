// The init sequence. Any failure is sent to the parent as errno + message
// and the child exits: no exception ever unwinds into the stack frames it
// shares (as a copy) with the parent.
#include "container/init_process.hpp"

#include "container/hooks.hpp"
#include "container/notify_socket.hpp"
#include "container/process_setup.hpp"
#include "container/sync_socket.hpp"
#include "linux/detached_mount.hpp"
#include "linux/devices.hpp"
#include "linux/loopback.hpp"
#include "linux/masked_paths.hpp"
#include "linux/namespaces.hpp"
#include "linux/process_attrs.hpp"
#include "linux/rootfs.hpp"
#include "linux/terminal.hpp"
#include "util/fault_point.hpp"
#include "util/fs.hpp"
#include "util/spin_wait.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <vector>

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

namespace oci::core {

namespace {

Message expect(int sync_fd, Msg type)
{
    Message m;
    if (!recv_msg(sync_fd, m))
        ::_exit(1);   // the parent is gone: nothing to report to
    if (m.type != type)
        throw Error("unexpected message from the parent");
    return m;
}

// After the parent's doorbell (see Doorbell).
Message expect_rung(int doorbell_fd, int sync_fd, Msg type)
{
    if (!Doorbell::wait(doorbell_fd, sync_fd))
        ::_exit(1);   // the parent is gone: nothing to report to
    return expect(sync_fd, type);
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
    util::fault_point("init.after_create_container_hooks");
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

// The container's cgroup, entered once and as late as the setup allows, so
// that the parent can finish it meanwhile: the v1 hierarchies by writing "0"
// to their tasks files where the parent left that to us, then the cgroup
// namespace, which is rooted where we are when it is made.
class CgroupEntry {
public:
    explicit CgroupEntry(const InitContext& c) : c_(c) {}

    // Returns /proc/self/cgroup as read before the namespace was made.
    const std::string& enter()
    {
        if (entered_)
            return own_;
        if (c_.cgroup_ready_later) {
            // Usually the parent is still making the cgroups: this is free time.
            if (while_waiting_)
                while_waiting_();
            expect_rung(c_.doorbell_fd, c_.sync_fd, Msg::cgroup_ready);
            if (c_.cgroup_tasks)
                cgroups::join_tasks_files(*c_.cgroup_tasks);   // named only: opened now
        }
        own_ = util::read_file_at(c_.proc_fd, "self/cgroup");
        if ((c_.unshare_flags & CLONE_NEWCGROUP) && ::unshare(CLONE_NEWCGROUP) < 0)
            throw_errno("create cgroup namespace");
        entered_ = true;
        return own_;
    }

    // The tree the parent made for the first cgroup mount, or an empty fd.
    util::unique_fd take_tree()
    {
        if (!c_.cgroup_tree_follows || tree_taken_)
            return {};
        tree_taken_ = true;
        return expect_rung(c_.doorbell_fd, c_.sync_fd, Msg::cgroup_tree).fd;
    }

    // Work of ours for the wait for Msg::cgroup_ready, done only where there
    // is that wait: the caller sees from its own state what was done.
    void do_while_waiting(std::function<void()> work) { while_waiting_ = std::move(work); }

private:
    const InitContext& c_;
    std::function<void()> while_waiting_;
    bool entered_ = false;
    bool tree_taken_ = false;
    std::string own_;
};

void setup_rootfs(const InitContext& c, CgroupEntry& cgroup)
{
    const spec::Config& cfg = *c.config;
    const auto& lc = cfg.linux_config;
    static const spec::LinuxConfig empty;
    const spec::LinuxConfig& linux_cfg = lc ? *lc : empty;

    sys::MountContext mctx;
    mctx.rootfs = c.rootfs;
    mctx.bundle = c.bundle;
    // Ours may not be the host's either (rootless Podman runs us in its own).
    mctx.in_user_ns = c.namespaces->has(spec::NamespaceType::user) || c.runtime_in_user_ns;
    mctx.own_cgroup_ns = own_ns(c, spec::NamespaceType::cgroup);
    mctx.own_net_ns = own_ns(c, spec::NamespaceType::network);
    mctx.enter_cgroup = [&cgroup] { return cgroup.enter(); };
    mctx.take_cgroup_tree = [&cgroup] { return cgroup.take_tree(); };
    mctx.cgroup_mounts = c.cgroup_mounts ? &*c.cgroup_mounts : nullptr;

    sys::prepare_rootfs(c.rootfs);
    util::unique_fd root(::open(c.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        throw_errno("open rootfs " + c.rootfs);

    util::fault_point("init.before_mounts");
    sys::mount_all(root.get(), cfg.mounts, mctx);
    // Device nodes are made under the container's device rules.
    cgroup.enter();
    if (c.notify_mount_fd >= 0) {
        with_context(std::string("mount ") + kNotifyDirInContainer,
                     [&] { sys::attach_mount(root.get(), kNotifyDirInContainer, c.notify_mount_fd); });
        ::close(c.notify_mount_fd);
    }
    util::fault_point("init.after_mounts");
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
    util::fault_point("init.after_masked_paths");
    run_create_hooks(c);
    util::fault_point("init.before_pivot");
    sys::pivot_into(c.rootfs, c.no_pivot);
    util::fault_point("init.after_pivot");
    sys::finish_root(linux_cfg.rootfs_propagation, cfg.root.readonly);
    util::fault_point("init.after_finish_root");
}

void wait_for_start(int fd, bool soon)
{
    // Under run the start byte follows our report at once.
    if (soon)
        util::spin_until_readable(fd, util::kReplyWaitNs);
    char byte;
    for (;;) {
        ssize_t n = ::read(fd, &byte, 1);
        if (n == 1)
            return;
        if (n < 0 && errno == EINTR)
            continue;
        // A pipe's writer is `run`, which starts us itself: it is gone.
        if (n == 0)
            throw Error("wait for start: ocirun exited before it started the container");
        throw_errno("wait for start");
    }
}

void init_sequence(InitContext& ctx)
{
    const InitContext& c = ctx;
    const spec::Process& p = *c.process;
    const auto& lc = c.config->linux_config;

    // While single-threaded and before anything else: the v1 cgroups, by
    // writing "0" (ourselves), which takes no migration lock. Unless the
    // parent makes them while we set up: then CgroupEntry opens them.
    if (ctx.cgroup_tasks && !ctx.cgroup_ready_later)
        cgroups::join_tasks_files(*ctx.cgroup_tasks);
    CgroupEntry cgroup(ctx);
    begin_setup_process(c.maps_written_unprivileged);
    if (ctx.early_unshare_flags != 0) {
        if (::unshare(ctx.early_unshare_flags) < 0)
            throw_errno("create namespaces");
        // The parent is still making the cgroup: its undo must meet our failure.
        util::fault_point("init.after_early_namespaces");
    }

    int first_free = 3 + static_cast<int>(c.preserve_fds);
    // Internal fds move above the preserved range.
    int sync_fd = ctx.sync_fd = move_above(ctx.sync_fd, first_free);
    ctx.start_wait_fd = move_above(ctx.start_wait_fd, first_free);
    ctx.start_status_fd = move_above(ctx.start_status_fd, first_free);
    ctx.proc_fd = move_above(ctx.proc_fd, first_free);
    ctx.doorbell_fd = move_above(ctx.doorbell_fd, first_free);
    std::vector<int> keep = {ctx.sync_fd, ctx.start_wait_fd, ctx.start_status_fd, ctx.proc_fd, ctx.doorbell_fd};
    if (ctx.notify_mount_fd >= 0)
        keep.push_back(ctx.notify_mount_fd = move_above(ctx.notify_mount_fd, first_free));
    for (const auto& j : c.namespaces->joins)
        keep.push_back(j.fd.get());
    close_fds_except(first_free, keep);

    Message go = expect_rung(ctx.doorbell_fd, sync_fd, Msg::go);   // uid/gid maps are written
    if (c.restore_affinity)
        ::sched_setaffinity(0, sizeof c.affinity, &c.affinity);
    ctx.state_json = std::move(go.text);
    if (ctx.net_ns_with_go && (!go.fd || ::setns(go.fd.get(), CLONE_NEWNET) < 0))
        throw_errno("join the new network namespace", go.fd ? errno : EBADF);
    go.fd.reset();
    // Still alone in our new namespaces: nothing from the container saw us dumpable.
    if (c.maps_written_unprivileged)
        ::prctl(PR_SET_DUMPABLE, 0);
    util::fault_point("init.after_go");
    const auto& ns = *c.namespaces;
    if (ns.joins_type(spec::NamespaceType::user))
        sys::join_namespaces(ns, true, false);
    if (ns.has(spec::NamespaceType::user))
        become_root_in_user_ns(c.setgroups_allowed);
    sys::join_namespaces(ns, false, true);
    if (int flags = ctx.unshare_flags & ~CLONE_NEWCGROUP; flags != 0 && ::unshare(flags) < 0)
        throw_errno("create namespaces");
    util::fault_point("init.after_namespaces");
    if (!c.no_new_keyring)
        join_session_keyring(c.id);

    ::umask(0);
    // The bounding set limits only what an exec may gain, not our own
    // capabilities: it can go long before the capabilities are set (any user
    // namespace is joined by now, which would fill it again). Not before
    // createContainer hooks, which run with the runtime's.
    sys::CapabilitySets caps = c.capabilities;
    if (caps.bounding && c.config->hooks.create_container.empty())
        cgroup.do_while_waiting([&caps] {
            sys::apply_bounding_set(caps);
            caps.bounding.reset();
        });
    if (ns.has(spec::NamespaceType::mount)) {
        setup_rootfs(ctx, cgroup);
    } else {
        cgroup.enter();
        run_create_hooks(ctx);
    }
    if (ns.creates(spec::NamespaceType::network) && !c.net_ns_with_go)
        sys::bring_up_loopback();
    if (!c.config->hostname.empty())
        sys::set_hostname(c.config->hostname);
    if (!c.config->domainname.empty())
        sys::set_domainname(c.config->domainname);
    if (lc)
        sys::apply_sysctls(ctx.proc_fd, lc->sysctl);
    if (p.oom_score_adj)
        sys::set_oom_score_adj(ctx.proc_fd, *p.oom_score_adj);
    util::fault_point("init.after_sysctls");
    ::close(ctx.proc_fd);   // no host directory stays open past this point

    SeccompTiming seccomp = seccomp_timing(c.seccomp, p);
    if (seccomp == SeccompTiming::before_caps)
        load_seccomp_now(*c.seccomp, sync_fd);
    util::fault_point("init.before_caps");
    ReadyProcess ready = prepare_process(p, caps, c.setgroups_allowed);
    util::fault_point("init.after_caps");
    if (seccomp == SeccompTiming::before_ready)
        load_seccomp_now(*c.seccomp, sync_fd);

    util::fault_point("init.before_created");
    send_msg(sync_fd, Msg::created);
    if (!c.start_is_commit) {
        expect(sync_fd, Msg::commit);
        ::prctl(PR_SET_PDEATHSIG, 0);   // the container outlives `ocirun create`
        // The parent waits for this before exiting: its exit must not deliver
        // the death signal we are clearing.
        send_msg(sync_fd, Msg::detached);
    }
    ::close(sync_fd);

    wait_for_start(ctx.start_wait_fd, c.start_is_commit);
    // From here the container outlives `ocirun run` too, as after a commit.
    if (c.start_is_commit)
        ::prctl(PR_SET_PDEATHSIG, 0);
    try {
        util::fault_point("init.after_start");
        run_hooks(c.config->hooks.start_container, "startContainer", running_state(ctx.state_json));
        util::fault_point("init.after_start_container_hooks");
    } catch (const Error& e) {
        // `start` is waiting on start.status for this.
        std::string msg = e.what();
        (void)!::write(ctx.start_status_fd, msg.data(), msg.size());
        ::_exit(1);
    }
    if (seccomp == SeccompTiming::before_exec)
        load_seccomp_now(*c.seccomp, -1);
    // The status fd closing (with all others) tells `start` the process runs.
    exec_prepared(p, ready, c.preserve_fds);
}

} // namespace

void init_main(const InitContext& shared) noexcept
{
    InitContext ctx = shared;
    run_child(ctx.sync_fd, [&] { init_sequence(ctx); });
}

} // namespace oci::core
