#include "container/spawn.hpp"

#include "util/fs.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace oci::core {

namespace {

void write_time_offsets(const spec::TimeOffsets* offsets)
{
    if (offsets == nullptr)
        return;
    std::string text;
    if (offsets->monotonic)
        text += "monotonic " + std::to_string(offsets->monotonic->secs) + " " +
                std::to_string(offsets->monotonic->nanosecs) + "\n";
    if (offsets->boottime)
        text += "boottime " + std::to_string(offsets->boottime->secs) + " " +
                std::to_string(offsets->boottime->nanosecs) + "\n";
    if (!text.empty())
        with_context("linux.timeOffsets", [&] {
            util::unique_fd fd(::open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC));
            if (!fd)
                throw_errno("open /proc/self/timens_offsets");
            util::write_all(fd.get(), text, "/proc/self/timens_offsets");
        });
}

} // namespace

SpawnPlan plan_spawn(const sys::NamespacePlan& ns, const spec::LinuxConfig* linux_config)
{
    using T = spec::NamespaceType;
    SpawnPlan plan;
    int flags = ns.new_flags;
    plan.new_time_ns = (flags & CLONE_NEWTIME) != 0;
    flags &= ~CLONE_NEWTIME;
    // A v1 cgroup namespace is rooted where the process is when it is made:
    // the init makes it after reading its own cgroups.
    plan.unshare_flags = flags & CLONE_NEWCGROUP;
    flags &= ~CLONE_NEWCGROUP;
    if (ns.joins_type(T::user)) {
        // Namespaces made before joining the user namespace would belong to
        // ours, and the init could not use them: it makes them after joining.
        if (flags & CLONE_NEWPID)
            throw Error("linux.namespaces: joining a user namespace by path while creating a new pid namespace is not supported");
        plan.unshare_flags |= flags;
        flags = 0;
    }
    plan.clone_flags = flags;
    for (const auto& j : ns.joins)
        if (j.type == T::pid)
            plan.join_pid_ns_fd = j.fd.get();
    if (plan.new_time_ns && linux_config && linux_config->time_offsets)
        plan.time_offsets = &*linux_config->time_offsets;
    return plan;
}

bool unshare_early(SpawnPlan& plan, const sys::NamespacePlan& ns)
{
    using T = spec::NamespaceType;
    if (ns.creates(T::user) || ns.joins_type(T::user))
        return false;
    // A pid namespace can only be entered by being born into it.
    int movable = plan.clone_flags & (CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS);
    plan.clone_flags &= ~movable;
    plan.early_unshare_flags |= movable;
    return movable != 0;
}

util::OwnedChild spawn_init(const SpawnPlan& plan, InitContext& ctx)
{
    std::optional<ChildrenNamespace> pid_ns, time_ns;
    if (plan.join_pid_ns_fd >= 0) {
        pid_ns.emplace("/proc/self/ns/pid", CLONE_NEWPID);
        pid_ns->enter(plan.join_pid_ns_fd);
    }
    if (plan.new_time_ns) {
        time_ns.emplace("/proc/self/ns/time", CLONE_NEWTIME);
        time_ns->unshare_new();
        write_time_offsets(plan.time_offsets);
    }

    ctx.parent_pid = ::getpid();
    ctx.early_unshare_flags = plan.early_unshare_flags;
    int pidfd = -1;
    pid_t pid = clone_with_pidfd(static_cast<uint64_t>(plan.clone_flags), pidfd, plan.cgroup_fd);
    if (pid == 0)
        init_main(ctx);
    return util::OwnedChild(pid, util::unique_fd(pidfd));
}

pid_t clone_with_pidfd(uint64_t flags, int& pidfd, int cgroup_fd)
{
    struct clone_args args;
    std::memset(&args, 0, sizeof args);
    args.flags = flags | CLONE_PIDFD;
    // No migration afterwards: writing cgroup.procs waits for an RCU grace period.
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = static_cast<uint64_t>(cgroup_fd);
    }
    args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
    // clone3 refuses one with CLONE_PARENT: the child then inherits ours.
    args.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0)
        throw_errno("clone a process for the container");
    return static_cast<pid_t>(pid);
}

ChildrenNamespace::ChildrenNamespace(const char* own_path, int nstype) : nstype_(nstype)
{
    own_.reset(::open(own_path, O_RDONLY | O_CLOEXEC));
    if (!own_)
        throw_errno(std::string("open ") + own_path);
}

ChildrenNamespace::~ChildrenNamespace()
{
    if (entered_)
        ::setns(own_.get(), nstype_);
}

void ChildrenNamespace::enter(int fd)
{
    if (::setns(fd, nstype_) < 0)
        throw_errno("enter namespace for the container's process");
    entered_ = true;
}

void ChildrenNamespace::unshare_new()
{
    if (::unshare(nstype_) < 0)
        throw_errno("create namespace for the container's process");
    entered_ = true;
}

} // namespace oci::core
