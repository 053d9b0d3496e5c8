// Starting the init process: clone3 with the namespaces it is born into, a
// pidfd for the parent, and the two namespace kinds that only apply to
// children (pid joined by path, new time namespace) entered by the parent
// around the clone.
#pragma once

#include "container/init_process.hpp"
#include "util/pidfd.hpp"

#include <oci/spec.hpp>

namespace oci::core {

struct SpawnPlan {
    int clone_flags = 0;       // CLONE_NEW* at clone time
    int unshare_flags = 0;     // made by the init itself after joining
    bool new_time_ns = false;
    const spec::TimeOffsets* time_offsets = nullptr;
    int join_pid_ns_fd = -1;   // pid namespace joined by path
};

// Splits the namespace plan into what clone3 creates and what the init does.
SpawnPlan plan_spawn(const sys::NamespacePlan& ns, const spec::LinuxConfig* linux_config);

// Clones the init; in the child runs init_main(ctx) (never returns there).
util::OwnedChild spawn_init(const SpawnPlan& plan, InitContext& ctx);

} // namespace oci::core
