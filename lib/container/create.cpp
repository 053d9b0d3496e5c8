// create: load and check the bundle, reserve the state, clone the init,
// map its ids, follow its progress, record it. Every step registers its undo,
// so a failure at any point leaves nothing behind.
#include "container/create.hpp"

#include "cgroups/driver.hpp"
#include "cgroups/translate.hpp"
#include "container/early_netns.hpp"
#include "container/hooks.hpp"
#include "container/host_cgroup_mounts.hpp"
#include "container/init_process.hpp"
#include "container/notify_socket.hpp"
#include "container/spawn.hpp"
#include "container/start_channel.hpp"
#include "container/sync_socket.hpp"
#include "linux/cgroup_mount.hpp"
#include "linux/cpu_placement.hpp"
#include "linux/idmap.hpp"
#include "linux/mount_options.hpp"
#include "linux/namespaces.hpp"
#include "linux/process_attrs.hpp"
#include "linux/seccomp.hpp"
#include "linux/seccomp_cache.hpp"
#include "linux/seccomp_notify.hpp"
#include "linux/proc_fd.hpp"
#include "linux/terminal.hpp"
#include "util/fault_point.hpp"
#include "util/fs.hpp"
#include "util/rollback.hpp"

#include <oci/error.hpp>
#include <oci/log.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <functional>

namespace oci::core {

namespace {

std::string real_path(const std::string& path, const std::string& what)
{
    char buf[PATH_MAX];
    if (::realpath(path.c_str(), buf) == nullptr)
        throw_errno(what + " " + path);
    return buf;
}

// The container's cgroup, made and limited before its init exists. With
// --systemd-cgroup the unit is started later, by add_process, and every
// failure is an error. `record` learns the placement before the first mkdir:
// a create killed from then on leaves a state that `delete --force` can
// clean up from.
//
// Without root, a cgroup is only ours where the host delegated one to us.
// The default path is then runc's, the container's id relative to our own
// cgroup, which lands inside a delegated subtree. Where we may not create
// it, we decide as runc's rootless cgroup managers do: with neither a
// cgroupsPath nor limits the container stays in our cgroup (nullptr, with a
// debug line saying why); an explicit cgroupsPath or limits that need a
// controller cannot be honoured, and that is an error, not a container
// running without them. Device rules are not applied (nor needed: a user
// namespace cannot create device nodes).
//
// With `split`, only what the clone needs is made here (create_clone_target),
// and finish_cgroup makes the rest and writes the limits once the init is
// making its namespaces. Only with root and the cgroupfs drivers, where none
// of the rootless decisions above can come up. Where the clone needs nothing
// made (v1), `record` is not called: `pending` says the caller records the
// placement before finish_cgroup.
std::unique_ptr<cgroups::Driver> make_cgroup(const spec::LinuxConfig* linux_cfg, const std::string& id, bool systemd,
                                             bool privileged, bool split,
                                             const std::function<void(const cgroups::Placement&)>& record,
                                             bool& pending)
{
    cgroups::DriverOptions options;
    options.skip_devices = !privileged;
    options.systemd = systemd;
    std::string configured = linux_cfg ? linux_cfg->cgroups_path : "";
    std::string path = configured.empty() && !privileged && !systemd ? id : configured;
    static const spec::Resources no_resources;
    const spec::Resources& resources = linux_cfg && linux_cfg->resources ? *linux_cfg->resources : no_resources;
    try {
        auto driver = cgroups::make_driver(path, id, options);
        pending = split && !driver->makes_clone_target();
        if (!pending)
            record(driver->placement());
        if (split) {
            driver->create_clone_target();
            return driver;
        }
        driver->create();
        try {
            driver->apply(resources);
        } catch (...) {
            driver->destroy();
            throw;
        }
        return driver;
    } catch (const Error& e) {
        if (systemd)
            throw e.with_context("systemd cgroup driver");
        if (privileged || (e.code() != EACCES && e.code() != EPERM && e.code() != EROFS))
            throw;
        if (!configured.empty())
            throw Error("linux.cgroupsPath \"" + configured + "\": not delegated to this user: " + e.what(), e.code());
        if (cgroups::limits_requested(resources))
            throw Error("linux.resources: limits need a cgroup, and none is delegated to this user "
                        "(run without limits, or in a delegated cgroup): " + std::string(e.what()), e.code());
        log_debug(std::string("rootless: no cgroup is delegated to us, the container stays in ours: ") + e.what());
        return nullptr;
    }
}

// The first cgroup mount of the config, if the init makes it (its own mount
// namespace) on a v1 or hybrid host.
const spec::Mount* cgroup_tree_mount(const spec::Config& config, const sys::NamespacePlan& ns,
                                     const std::vector<sys::CgroupMountInfo>& hierarchies)
{
    if (!ns.has(spec::NamespaceType::mount) || sys::unified_hierarchy(hierarchies))
        return nullptr;
    for (const auto& m : config.mounts) {
        if (m.type != "cgroup" && m.type != "cgroup2")
            continue;
        auto opts = sys::parse_mount_options(m.options);
        return (opts.flags & MS_BIND) ? nullptr : &m;
    }
    return nullptr;
}

// The init's /sys/fs/cgroup for `m`, made here while it joins the cgroup, or
// an empty fd: the init makes it itself. `hierarchies`: host_cgroup_mounts of
// the driver's layout.
util::unique_fd prebuild_cgroup_tree(const cgroups::Driver& driver,
                                     const std::vector<sys::CgroupMountInfo>& hierarchies, const spec::Mount& m,
                                     bool own_cgroup_ns)
{
    auto own_paths = container_cgroup_paths(driver.layout(), driver.placement());
    if (!own_paths)
        return {};
    try {
        return sys::build_detached_cgroup_tree(hierarchies, *own_paths, sys::parse_mount_options(m.options).flags,
                                               own_cgroup_ns);
    } catch (const Error& e) {
        log_debug(std::string("the init mounts /sys/fs/cgroup itself: ") + e.what());
        return {};
    }
}

void finish_cgroup(cgroups::Driver& driver, const spec::LinuxConfig* linux_cfg)
{
    static const spec::Resources no_resources;
    driver.create_remaining();
    driver.apply(linux_cfg && linux_cfg->resources ? *linux_cfg->resources : no_resources);
}

struct Checked {
    spec::Config config;
    std::string text;   // config.json as read: the state's copy, unless create changes the config
    std::string bundle;
    std::string rootfs;
};

Checked load_and_check(const CreateOptions& options, bool foreground)
{
    Checked c;
    c.bundle = real_path(options.bundle, "bundle");
    c.config = spec::load_config(c.bundle, c.text);
    if (!c.config.process)
        throw Error("config.json: process: required to create a container");
    if (c.config.process->args.empty())
        throw Error("config.json: process.args: must not be empty");
    std::string root = c.config.root.path;
    c.rootfs = real_path(root[0] == '/' ? root : c.bundle + "/" + root, "config.json: root.path: rootfs");
    if (!c.config.process->terminal && !options.console_socket.empty())
        throw Error("--console-socket given, but process.terminal is false: there is no console to send");
    if (c.config.process->terminal && options.console_socket.empty() && !foreground)
        throw Error("cannot allocate a terminal for a detached container without --console-socket");
    return c;
}

// Waits for the init to report that it is set up; its errors become ours.
void follow_init(int sync_fd, util::OwnedChild& init, const CreateOptions& options, bool foreground,
                 util::unique_fd& pty_master, const spec::Config& config, const std::string& state_json)
{
    const spec::Hooks& hooks = config.hooks;
    for (;;) {
        Message m;
        if (!recv_msg(sync_fd, m)) {
            int status = init.wait();
            throw Error("container init exited before it was set up (status " +
                        std::to_string(util::exit_code_of(status)) + ")");
        }
        switch (m.type) {
        case Msg::created:
            return;
        case Msg::error:
            throw Error(m.text, m.err);
        case Msg::run_hooks:
            run_hooks(hooks.prestart, "prestart", state_json);
            util::fault_point("create.after_prestart_hooks");
            run_hooks(hooks.create_runtime, "createRuntime", state_json);
            util::fault_point("create.after_create_runtime_hooks");
            send_msg(sync_fd, Msg::hooks_done);
            break;
        case Msg::seccomp_listener: {
            const auto& sc = *config.linux_config->seccomp;
            if (sc.listener_path.empty())
                throw Error("linux.seccomp: SCMP_ACT_NOTIFY needs listenerPath");
            sys::send_seccomp_listener(sc.listener_path, m.fd.get(), init.pid(), state_json, sc.listener_metadata);
            break;
        }
        case Msg::pty_master:
            if (!options.console_socket.empty())
                sys::send_to_console_socket(options.console_socket, m.fd.get());
            else if (foreground)
                pty_master = std::move(m.fd);
            break;
        default:
            throw Error("container init sent an unexpected message");
        }
    }
}

// Sends a message the init waits for with its doorbell, and rings. A send to
// an init that has failed meanwhile breaks the pipe; the init has said why
// before it exited, and that is the error to report.
void send_to_init(int sync_fd, const Doorbell& doorbell, Msg type, const std::string& text = {}, int fd = -1)
{
    try {
        send_msg(sync_fd, type, 0, text, fd);
    } catch (const Error& e) {
        Message m;
        if ((e.code() == EPIPE || e.code() == ECONNRESET) && recv_msg(sync_fd, m) && m.type == Msg::error)
            throw Error(m.text, m.err);
        throw e.with_context("message to the container's init");
    }
    doorbell.ring();
}

} // namespace

void write_pid_file(const std::string& path, pid_t pid)
{
    std::string abs = path[0] == '/' ? path : real_path(".", "resolve") + "/" + path;
    auto slash = abs.rfind('/');
    std::string dir = slash == 0 ? "/" : abs.substr(0, slash);
    util::unique_fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dfd)
        throw_errno("open pid file directory " + dir);
    with_context("write pid file " + path,
                 [&] { util::write_file_atomic(dfd.get(), abs.substr(slash + 1), std::to_string(pid), 0644); });
}

CreatedContainer create_container(const RuntimeOptions& runtime, const std::string& id,
                                  const CreateOptions& options, bool foreground, bool start_at_once)
{
    validate_container_id(id);
    const CreateOptions& opts = options;
    Checked checked = load_and_check(opts, foreground);
    if (opts.listen_fds > 0) {
        checked.config.process->env.push_back("LISTEN_FDS=" + std::to_string(opts.listen_fds));
        checked.config.process->env.push_back("LISTEN_PID=1");
    }
    const spec::Config& config = checked.config;
    const spec::LinuxConfig* linux_cfg = config.linux_config ? &*config.linux_config : nullptr;
    static const std::vector<spec::Namespace> no_namespaces;
    sys::NamespacePlan ns = sys::plan_namespaces(linux_cfg ? linux_cfg->namespaces : no_namespaces);
    if (linux_cfg)
        sys::check_sysctls(linux_cfg->sysctl, ns.creates(spec::NamespaceType::network),
                           ns.creates(spec::NamespaceType::ipc), ns.creates(spec::NamespaceType::uts));
    SpawnPlan spawn_plan = plan_spawn(ns, linux_cfg);
    // Without a user namespace the init makes its namespaces itself, and with
    // root the cgroup is finished meanwhile. A new network namespace, the
    // costly one, is made by a child of ours: the one the entry point started
    // if there is one, else one from here on. Msg::go hands it to the init.
    bool init_unshares = unshare_early(spawn_plan, ns);
    // Reaped when create returns, used or not: it may still be exiting now.
    std::optional<EntryNetns> entry_netns = take_netns_from_entry();
    std::optional<EarlyNetns> early_netns;
    EntryNetns* netns_from_entry = nullptr;
    if (!(spawn_plan.early_unshare_flags & CLONE_NEWNET)) {
        if (entry_netns)
            log_debug("the network namespace started at the entry point is not used: the config asks for no "
                      "new one, or for a user namespace");
    } else if (entry_netns) {
        log_debug("the network namespace was started at the entry point");
        netns_from_entry = &*entry_netns;
    } else {
        early_netns.emplace();
    }
    util::unique_fd root_fd = StateDir::open_root(runtime.root, true);
    std::optional<sys::SeccompProgram> seccomp;
    if (linux_cfg && linux_cfg->seccomp) {
        util::unique_fd cache = sys::open_seccomp_cache(root_fd.get());
        seccomp = sys::compile_seccomp_cached(*linux_cfg->seccomp, cache.get());
        if (seccomp->notify && linux_cfg->seccomp->listener_path.empty())
            throw Error("config.json: linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY");
    }

    StateDir dir = StateDir::reserve(root_fd.get(), runtime.root, id);
    util::Rollback rollback;
    rollback.add([&] { dir.remove(root_fd.get()); });
    util::fault_point("create.after_reserve");

    StartChannel start = foreground ? StartChannel::pipes() : StartChannel::fifos(dir);
    util::fault_point("create.after_fifos");
    CreatedContainer out;
    Record& rec = out.record;
    rec.id = id;
    rec.status = Status::creating;
    rec.bundle = checked.bundle;
    rec.rootfs = checked.rootfs;
    rec.created = rfc3339_now();
    rec.owner_uid = ::geteuid();
    rec.own_pid_ns = ns.creates(spec::NamespaceType::pid);
    rec.oci_version = config.oci_version;
    rec.annotations = config.annotations;
    // Shared with the undo step, which runs after this scope's locals are gone.
    std::shared_ptr<cgroups::Driver> cgroup;
    // running_rootless(), with the user namespace read once for the init too.
    bool runtime_in_user_ns = !sys::in_initial_user_ns();
    bool rootless = ::geteuid() != 0 || runtime_in_user_ns;
    bool split_cgroup = init_unshares && !runtime.systemd_cgroup && !rootless;
    // The placement is on disk before the first mkdir: then `delete --force`
    // finds the cgroups of a create that was killed.
    bool placement_pending = false;
    if (!runtime.cgroups_disabled)
        cgroup = make_cgroup(
            linux_cfg, id, runtime.systemd_cgroup, !rootless, split_cgroup,
            [&](const cgroups::Placement& placement) {
                rec.cgroup = placement;
                dir.write(rec);
            },
            placement_pending);
    else if (linux_cfg && linux_cfg->resources)
        log_debug("cgroups are disabled: linux.resources is not applied");
    if (placement_pending)
        rec.cgroup = cgroup->placement();
    if (cgroup) {
        rec.cgroup_layout = cgroup->layout();
        rollback.add([cgroup] { cgroup->destroy(); });
    } else {
        rec.cgroup.clear();
    }
    util::fault_point("create.after_cgroup");
    util::unique_fd notify_mount;
    if (!opts.notify_socket.empty())
        notify_mount = prepare_notify_socket(dir.fd(), dir.path(), opts.notify_socket,
                                             ns.has(spec::NamespaceType::mount), checked.config);
    util::unique_fd proc = sys::open_trusted_proc();
    util::unique_fd parent_sock, child_sock;
    make_socketpair(parent_sock, child_sock);
    Doorbell doorbell;

    InitContext ctx;
    ctx.config = &config;
    ctx.process = &*config.process;
    ctx.namespaces = &ns;
    if (config.process->capabilities)
        ctx.capabilities = sys::resolve_capabilities(*config.process->capabilities);
    ctx.id = id;
    ctx.rootfs = checked.rootfs;
    ctx.bundle = checked.bundle;
    ctx.unshare_flags = spawn_plan.unshare_flags;
    ctx.sync_fd = child_sock.get();
    ctx.doorbell_fd = doorbell.fd();
    ctx.start_wait_fd = start.init_wait.get();
    ctx.start_status_fd = start.init_status.get();
    ctx.start_is_commit = foreground;
    ctx.restore_affinity = ::sched_getaffinity(0, sizeof ctx.affinity, &ctx.affinity) == 0;
    ctx.proc_fd = proc.get();
    ctx.preserve_fds = opts.preserve_fds + opts.listen_fds;
    ctx.no_pivot = opts.no_pivot;
    ctx.no_new_keyring = opts.no_new_keyring;
    static const std::vector<spec::IdMapping> no_mappings;
    const auto& uid_map = linux_cfg ? linux_cfg->uid_mappings : no_mappings;
    const auto& gid_map = linux_cfg ? linux_cfg->gid_mappings : no_mappings;
    bool privileged = ::geteuid() == 0;
    sys::IdMapPlan id_maps = sys::plan_id_maps(uid_map, gid_map, privileged, ::geteuid(), ::getegid());
    // Without a user namespace of its own the container has ours, where
    // setgroups may be denied (root of rootless Podman's namespace).
    ctx.runtime_in_user_ns = runtime_in_user_ns;
    // Only a user namespace other than the host's can deny setgroups.
    ctx.setgroups_allowed = ns.creates(spec::NamespaceType::user)
                                ? !id_maps.deny_setgroups
                                : !runtime_in_user_ns || util::read_file("/proc/self/setgroups").rfind("allow", 0) == 0;
    ctx.maps_written_unprivileged = !privileged && ns.creates(spec::NamespaceType::user);
    ctx.seccomp = seccomp ? &*seccomp : nullptr;
    ctx.notify_mount_fd = notify_mount.get();

    // The init joins the cgroup as it is born (cgroup2) or first thing (v1):
    // moving it from here would wait for an RCU grace period.
    std::vector<cgroups::TasksFile> tasks;
    if (cgroup) {
        spawn_plan.cgroup_fd = cgroup->dir_fd_for_clone();
        tasks = split_cgroup ? cgroup->name_tasks_files() : cgroup->open_tasks_files();
        ctx.cgroup_tasks = &tasks;
        ctx.cgroup_mounts = host_cgroup_mounts(cgroup->layout());
    }
    if (early_netns || netns_from_entry) {
        spawn_plan.early_unshare_flags &= ~CLONE_NEWNET;
        ctx.net_ns_with_go = true;
    }
    // With the split cgroup the init sets up while we finish the cgroup, and
    // enters it when Msg::cgroup_ready says it is done.
    ctx.cgroup_ready_later = cgroup && split_cgroup;
    const spec::Mount* tree_mount =
        ctx.cgroup_ready_later ? cgroup_tree_mount(config, ns, *ctx.cgroup_mounts) : nullptr;
    ctx.cgroup_tree_follows = tree_mount != nullptr;
    out.init = spawn_init(spawn_plan, ctx);
    // Queued on our CPU, the init would wait there for us to block while the
    // other CPUs idle. It takes back our mask after go.
    if (ctx.restore_affinity)
        sys::keep_off_our_cpu(out.init.pid());
    child_sock.reset();
    // Only the init may hold these: its exit or exec must show as EOF.
    start.init_wait.reset();
    start.init_status.reset();
    bool joined_by_itself = spawn_plan.cgroup_fd >= 0 || !tasks.empty();
    tasks.clear();
    util::fault_point("create.after_spawn");

    rec.pid = out.init.pid();
    // The init needs the state document only for the hooks it runs itself.
    const spec::Hooks& hooks = config.hooks;
    bool init_runs_hooks = !hooks.create_container.empty() || !hooks.start_container.empty();
    // Two reads of /proc: after the cgroup work that the init waits on,
    // unless go must carry the document.
    std::string state_json;
    auto describe_init = [&] {
        rec.pid_start_time = process_start_time(rec.pid);
        state_json = state_to_json(to_public_state(rec));
    };
    if (init_runs_hooks || !ctx.cgroup_ready_later)
        describe_init();
    auto send_go = [&] {
        util::unique_fd net_ns = netns_from_entry ? netns_from_entry->take()
                                 : early_netns    ? early_netns->take()
                                                  : util::unique_fd();
        send_to_init(parent_sock.get(), doorbell, Msg::go, init_runs_hooks ? state_json : std::string(),
                     net_ns.get());
    };
    if (ctx.cgroup_ready_later) {
        send_go();
        if (placement_pending) {
            // Written here rather than before the clone, off the init's way.
            // Without the pid: its start time is not read yet.
            Record placed = rec;
            placed.pid = 0;
            dir.write(placed);
        }
        finish_cgroup(*cgroup, linux_cfg);
        send_to_init(parent_sock.get(), doorbell, Msg::cgroup_ready);
        if (tree_mount) {
            util::unique_fd tree =
                prebuild_cgroup_tree(*cgroup, *ctx.cgroup_mounts, *tree_mount, ns.creates(spec::NamespaceType::cgroup));
            if (tree)
                log_debug("the container's " + tree_mount->destination + " was made ahead, for the init to attach");
            send_to_init(parent_sock.get(), doorbell, Msg::cgroup_tree, {}, tree.get());
        }
    }
    if (state_json.empty())
        describe_init();
    // The systemd driver starts its unit here, with the init in it.
    if (cgroup && !joined_by_itself) {
        cgroup->add_process(rec.pid);
        rec.cgroup = cgroup->placement();
    }
    util::fault_point("create.after_cgroup_placement");
    // The config copy is written here, while the init sets up, rather than
    // before its clone: exec, and start and delete for the hooks, read it, and
    // none of them reads it before the state says it holds hooks (just below)
    // or that the container is created. The text as read where the config is
    // as parsed: readers parse it the same.
    util::write_file_atomic(dir.fd(), kConfigCopy, opts.listen_fds > 0 ? spec::to_json(config, false) : checked.text,
                            0600);
    rec.has_hooks = !config.hooks.poststart.empty() || !config.hooks.poststop.empty();
    // Written now so that `delete --force` can find the init if we are killed.
    dir.write(rec);
    rollback.add([&config, state_json] { run_hooks_best_effort(config.hooks.poststop, "poststop", state_json); });
    util::fault_point("create.after_state");

    if (ns.creates(spec::NamespaceType::user))
        sys::write_id_maps(proc.get(), rec.pid, uid_map, gid_map, id_maps);
    util::fault_point("create.after_id_maps");
    if (!ctx.cgroup_ready_later)
        send_go();
    follow_init(parent_sock.get(), out.init, opts, foreground, out.pty_master, config, state_json);
    util::fault_point("create.before_created");

    rec.status = Status::created;
    // run writes it after the start byte, off the container's way: until then
    // the state reads creating, and stopped if we are killed before the byte.
    if (!start_at_once) {
        dir.write(rec);
        util::fault_point("create.after_created");
    }
    if (!opts.pid_file.empty())
        write_pid_file(opts.pid_file, rec.pid);
    // run's start byte, right after this, commits the init too: one wakeup
    // where commit, its ack and the start byte took three.
    if (!ctx.start_is_commit) {
        send_msg(parent_sock.get(), Msg::commit);
        Message ack;
        if (!recv_msg(parent_sock.get(), ack) || ack.type != Msg::detached)
            throw Error("container init exited before it was started");
    }
    util::fault_point("create.before_commit");
    // Before this function's locals are torn down, which takes longer than
    // the init's last steps before its exec.
    if (start_at_once) {
        util::fault_point("run.before_start");
        release_init(start.release.get());
        start.release.reset();
        // The init, woken on our CPU, would wait for us to block: its exec
        // comes first, what is left here is not on the container's way.
        ::sched_yield();
        // created with no exec.fifo reads as running (state_store.cpp). Not
        // recorded if the container has exited while we yielded: the record
        // reads stopped already, and run deletes it next.
        pollfd exited{out.init.pidfd(), POLLIN, 0};
        if (out.init.pidfd() < 0 || ::poll(&exited, 1, 0) != 1)
            dir.write(rec);
        util::fault_point("create.after_created");
    }
    rollback.commit();
    out.release = std::move(start.release);
    out.exec_status = std::move(start.status);
    out.poststart = config.hooks.poststart;
    if (foreground) {
        dir.unlock();
        out.state_root = std::move(root_fd);
        out.state.emplace(std::move(dir));
    }
    return out;
}

} // namespace oci::core
