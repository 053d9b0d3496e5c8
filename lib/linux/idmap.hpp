// uid_map / gid_map / setgroups of a process in a new user namespace,
// written by its parent from outside.
#pragma once

#include <oci/spec.hpp>

#include <sys/types.h>

#include <string>
#include <vector>

namespace oci::sys {

std::string format_id_map(const std::vector<spec::IdMapping>& mappings);

// Writes the maps of `pid` through proc_fd (a verified procfs). When the
// caller is not root on the host and the gid map is one line of its own
// gid, setgroups is denied first, as the kernel requires.
void write_id_maps(int proc_fd, pid_t pid, const std::vector<spec::IdMapping>& uid_map,
                   const std::vector<spec::IdMapping>& gid_map, bool deny_setgroups);

} // namespace oci::sys
