// The container's mount namespace: root propagation, the config's mounts in
// order, then pivot_root (or chroot with --no-pivot) and a read-only root.
// Every target is resolved inside the rootfs (safe_path) and mounted onto
// through its fd.
#pragma once

#include "linux/cgroup_mount.hpp"

#include <oci/spec.hpp>

#include <functional>
#include <string>
#include <vector>

namespace oci::sys {

struct MountContext {
    std::string rootfs;          // absolute host path
    std::string bundle;          // relative bind sources are relative to it
    bool in_user_ns = false;     // sysfs/cgroup fall back to binds, devices are bound
    bool own_cgroup_ns = false;
    bool own_net_ns = false;
    // Called before the first cgroup mount: enters the container's cgroup and
    // cgroup namespace where that is still to do, and returns /proc/self/cgroup
    // as read before the namespace was made (unset: no cgroup mount is made).
    std::function<std::string()> enter_cgroup;
    const std::vector<CgroupMountInfo>* cgroup_mounts = nullptr;   // the host's, or nullptr: read mountinfo
    // Called at the first cgroup mount, after enter_cgroup: the tree made ahead
    // (build_detached_cgroup_tree), or an empty fd (unset: none).
    std::function<util::unique_fd()> take_cgroup_tree;
};

// Makes "/" a recursive slave (nothing propagates back to the host) and binds
// the rootfs onto itself so it is a mount point pivot_root accepts.
void prepare_rootfs(const std::string& rootfs);

// Mounts linux config mounts in order. root_fd is an O_PATH fd of the rootfs.
void mount_all(int root_fd, const std::vector<spec::Mount>& mounts, const MountContext& ctx);

// Whether the config mounts something (other than a bind) at /dev, in which
// case ocirun populates it with device nodes.
bool needs_dev_setup(const std::vector<spec::Mount>& mounts);

void pivot_into(const std::string& rootfs, bool no_pivot);

// After pivot_root: rootfsPropagation, then a read-only "/" if asked.
void finish_root(const std::string& propagation, bool readonly);

// D6: what may be mounted on /proc and below it. The destination is judged in its
// lexically clean form (see clean_destination).
void check_proc_mount(int root_fd, const spec::Mount& m);

// D6, after resolution: a mount whose destination is not below /proc must not land on the
// rootfs's /proc directory or anywhere in a procfs. target_fd is the resolved target.
void check_resolved_target(int root_fd, const spec::Mount& m, int target_fd);

// "/a//b/./c/../d" -> "/a/b/d"; ".." stops at "/". No symlink is looked at.
std::string clean_destination(const std::string& dest);

} // namespace oci::sys
