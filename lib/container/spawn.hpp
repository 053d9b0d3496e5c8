// Starting the init process: clone3 with the namespaces it is born into, a
// pidfd for the parent, and the two namespace kinds that only apply to
// children (pid joined by path, new time namespace) entered by the parent
// around the clone.
#pragma once

#include "container/init_process.hpp"
#include "util/pidfd.hpp"

#include <oci/spec.hpp>

namespace oci::core {

// Enters a namespace for our future children only (pid, time) and returns
// to our own on scope exit, whatever happens in between. `fd` may be a
// namespace file or a pidfd.
class ChildrenNamespace {
public:
    ChildrenNamespace(const char* own_path, int nstype);
    ~ChildrenNamespace();
    ChildrenNamespace(const ChildrenNamespace&) = delete;
    ChildrenNamespace& operator=(const ChildrenNamespace&) = delete;
    void enter(int fd);
    void unshare_new();

private:
    util::unique_fd own_;
    int nstype_;
    bool entered_ = false;
};

// clone3(CLONE_PIDFD | flags) without a new stack: returns 0 in the child,
// the pid in the parent (pidfd set, O_CLOEXEC).
pid_t clone_with_pidfd(uint64_t flags, int& pidfd, int cgroup_fd = -1);

struct SpawnPlan {
    int clone_flags = 0;       // CLONE_NEW* at clone time
    int unshare_flags = 0;     // made by the init itself after joining
    int early_unshare_flags = 0;   // made by the init at once, while the parent works on
    bool new_time_ns = false;
    const spec::TimeOffsets* time_offsets = nullptr;
    int join_pid_ns_fd = -1;   // pid namespace joined by path
    int cgroup_fd = -1;        // cgroup2: born into it (CLONE_INTO_CGROUP)
};

// Splits the namespace plan into what clone3 creates and what the init does.
SpawnPlan plan_spawn(const sys::NamespacePlan& ns, const spec::LinuxConfig* linux_config);

// Moves the namespaces that need nothing from the parent (no user namespace is
// involved) from clone3 to the init's first step, so that the parent's work
// after the clone and the kernel's work of making them overlap. Returns
// whether any moved.
bool unshare_early(SpawnPlan& plan, const sys::NamespacePlan& ns);

// Clones the init; in the child runs init_main(ctx) (never returns there).
util::OwnedChild spawn_init(const SpawnPlan& plan, InitContext& ctx);

} // namespace oci::core
