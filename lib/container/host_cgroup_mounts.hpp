// The host's cgroup hierarchies, as the cgroup driver found them, in the form
// the container's /sys/fs/cgroup is built from: the init then needs no read
// of mountinfo of its own.
#pragma once

#include "cgroups/driver.hpp"
#include "cgroups/layout.hpp"
#include "linux/cgroup_mount.hpp"

#include <optional>
#include <string>
#include <vector>

namespace oci::core {

// Mount points under /sys/fs/cgroup; a v1 hierarchy's options are its
// controllers (and name=), which is what the container's binds are matched
// against in /proc/self/cgroup.
std::vector<sys::CgroupMountInfo> host_cgroup_mounts(const cgroups::Layout& layout);

// The container's path in each of those hierarchies, in the same order, as
// sys::own_cgroup_path will read it from the init's /proc/self/cgroup ("" at
// a hierarchy's root); nullopt where the placement misses a hierarchy.
std::optional<std::vector<std::string>> container_cgroup_paths(const cgroups::Layout& layout,
                                                               const cgroups::Placement& placement);

} // namespace oci::core
