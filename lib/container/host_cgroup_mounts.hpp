// The host's cgroup hierarchies, as the cgroup driver found them, in the form
// the container's /sys/fs/cgroup is built from: the init then needs no read
// of mountinfo of its own.
#pragma once

#include "cgroups/layout.hpp"
#include "linux/cgroup_mount.hpp"

#include <vector>

namespace oci::core {

// Mount points under /sys/fs/cgroup; a v1 hierarchy's options are its
// controllers (and name=), which is what the container's binds are matched
// against in /proc/self/cgroup.
std::vector<sys::CgroupMountInfo> host_cgroup_mounts(const cgroups::Layout& layout);

} // namespace oci::core
