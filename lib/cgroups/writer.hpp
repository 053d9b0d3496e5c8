// Applies a translator's writes to the container's cgroup directories, one
// write(2) per Write, and names the resource, file and value of a write the
// kernel refuses:
//   linux.resources.memory.limit: write 1 to memory.limit_in_bytes: device or resource busy
#pragma once

#include "cgroups/translate.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace oci::cgroups {

// The open directory of the container's cgroup for a v1 controller ("" on
// cgroup2), or -1 when that controller has no hierarchy here.
using DirForController = std::function<int(const std::string& controller)>;

void apply_writes(const std::vector<Write>& writes, const DirForController& dir_for);

// One write of value + "\n" to dir_fd/name, opened O_WRONLY|O_APPEND without
// following symlinks. (cgroup files take each write(2) as one command and
// ignore the offset; on the plain files of a test tree the writes pile up, so
// a test sees every value that was written.) Returns 0 or the errno.
int write_cgroup_file(int dir_fd, const std::string& name, std::string_view value);

} // namespace oci::cgroups
