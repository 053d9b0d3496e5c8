// /sys/fs/cgroup inside the container, mirroring the host's layout: a
// cgroup2 mount on unified hosts; on v1 and hybrid hosts a tmpfs holding one
// mount per hierarchy. A cgroup2 hierarchy is mounted afresh when the
// container has its own cgroup namespace (rooted at its cgroup); every other
// hierarchy, and cgroup2 where the kernel refuses, is a bind of the
// container's own cgroup directory, as runc makes them.
#pragma once

#include "util/unique_fd.hpp"

#include <string>
#include <vector>

namespace oci::sys {

struct CgroupMountInfo {
    std::string mount_point;     // "/sys/fs/cgroup/cpu"
    std::string fs_type;         // "cgroup" or "cgroup2"
    std::string super_options;   // "cpu" / "name=systemd" (without rw/ro)
};

// Parses /proc/self/mountinfo text for cgroup mounts at or below /sys/fs/cgroup.
std::vector<CgroupMountInfo> parse_cgroup_mounts(const std::string& mountinfo);

// The path of this process in the hierarchy whose super options are given,
// from /proc/self/cgroup text ("" for cgroup2).
std::string own_cgroup_path(const std::string& proc_self_cgroup, const CgroupMountInfo& hierarchy);

// Whether the hierarchies are a unified host's: one cgroup2 at /sys/fs/cgroup.
bool unified_hierarchy(const std::vector<CgroupMountInfo>& hierarchies);

// own_cgroups: /proc/self/cgroup as read before the container's cgroup
// namespace was made (inside it every path reads "/"). `known`: the host's
// hierarchies as the parent found them, or nullptr to read mountinfo.
// `prebuilt`: the tree from build_detached_cgroup_tree, or -1.
void mount_cgroup_tree(int root_fd, const std::string& destination, unsigned long flags, bool own_cgroup_ns,
                       const std::string& own_cgroups, const std::vector<CgroupMountInfo>* known, int prebuilt = -1);

// The tmpfs of a v1 or hybrid host's tree, made ahead by another process
// (create, while the init joins its cgroups) and detached: the binds of the
// container's directories (own_paths[i] in hierarchies[i], as
// own_cgroup_path gives them), the host's symlinks, read-only as `flags` say.
// A cgroup2 hierarchy that the init mounts afresh (own_cgroup_ns) gets its
// directory only. An empty fd on a unified host, where fsopen is not allowed,
// or where the kernel mounts nothing onto a detached mount (before 6.15):
// mount_cgroup_tree then makes the whole tree.
util::unique_fd build_detached_cgroup_tree(const std::vector<CgroupMountInfo>& hierarchies,
                                           const std::vector<std::string>& own_paths, unsigned long flags,
                                           bool own_cgroup_ns);

} // namespace oci::sys
