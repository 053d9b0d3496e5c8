// The container side of create: everything the init process does between
// clone and execve, in the order the runtime spec and the kernel require.
#pragma once

#include "cgroups/driver.hpp"
#include "linux/capabilities.hpp"
#include "linux/cgroup_mount.hpp"
#include "linux/namespaces.hpp"
#include "linux/seccomp.hpp"

#include <oci/spec.hpp>

#include <sys/types.h>

#include <sched.h>

#include <optional>
#include <string>
#include <vector>

namespace oci::core {

// Shared with the child by clone's copy of memory; read-only there.
struct InitContext {
    const spec::Config* config = nullptr;
    const spec::Process* process = nullptr;
    const sys::NamespacePlan* namespaces = nullptr;
    sys::CapabilitySets capabilities;
    const sys::SeccompProgram* seccomp = nullptr;   // compiled by the parent
    // v1: joined first thing, or (files not yet open) as soon as Msg::go says they exist
    std::vector<cgroups::TasksFile>* cgroup_tasks = nullptr;
    // The host's cgroup hierarchies as the parent's driver found them, sparing
    // the init a read of mountinfo; nullopt without a driver.
    std::optional<std::vector<sys::CgroupMountInfo>> cgroup_mounts;
    std::string id;
    std::string rootfs;          // absolute host path
    std::string bundle;
    int unshare_flags = 0;       // namespaces the init makes itself (after joining)
    int early_unshare_flags = 0; // namespaces it makes before waiting for Msg::go
    // The new network namespace comes with Msg::go, made by the parent (loopback up).
    bool net_ns_with_go = false;
    // The parent finishes the cgroup after Msg::go, while we set up, and says
    // so with Msg::cgroup_ready: we enter it (and make the cgroup namespace)
    // only then, before the first cgroup mount and before any device node.
    // cgroup_tasks then name files that the parent had not made at the clone.
    bool cgroup_ready_later = false;
    // After Msg::cgroup_ready, the parent sends Msg::cgroup_tree: the first
    // cgroup mount's v1 or hybrid tree, made while we join the cgroup.
    bool cgroup_tree_follows = false;
    int sync_fd = -1;            // SEQPACKET to the parent
    int doorbell_fd = -1;        // rung after Msg::go, Msg::cgroup_ready and Msg::cgroup_tree (Doorbell)
    int start_wait_fd = -1;      // StartChannel::init_wait: a byte on it means "start"
    int start_status_fd = -1;    // StartChannel::init_status: an error for start, or EOF at exec
    // run's pipes: the start byte comes right after the state is recorded and
    // stands for Msg::commit, which is not sent (nor Msg::detached).
    bool start_is_commit = false;
    // The parent moves the new init off its own CPU, where the init would
    // wait for the parent to block; the init takes back this mask after go.
    bool restore_affinity = false;
    cpu_set_t affinity{};
    int proc_fd = -1;            // the host's verified procfs
    int notify_mount_fd = -1;    // detached mount for /run/notify (sd_notify), or -1
    unsigned preserve_fds = 0;
    bool no_pivot = false;
    bool no_new_keyring = false;
    bool setgroups_allowed = true;
    // ocirun itself runs in a user namespace (rootless Podman runs us in its
    // own), which the init shares unless the config gives it one.
    bool runtime_in_user_ns = false;
    // The parent maps our ids without privileges on the host (begin_setup_process).
    bool maps_written_unprivileged = false;
    pid_t parent_pid = 0;
    std::string state_json;      // received with Msg::go, for the container-side hooks
};

// Runs the init sequence in the freshly cloned child. Never returns: it execs
// the user process, or reports the error to the parent and exits.
[[noreturn]] void init_main(const InitContext& ctx) noexcept;

} // namespace oci::core
