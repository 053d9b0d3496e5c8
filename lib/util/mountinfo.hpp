// /proc/PID/mountinfo, parsed once for everyone who reads mount tables
// (the container's /sys/fs/cgroup, the cgroup layout).
#pragma once

#include <string>
#include <vector>

namespace oci::util {

struct MountInfoEntry {
    std::string root;                         // field 4: the mount's root in its filesystem
    std::string mount_point;                  // field 5, unescaped
    std::string fs_type;
    std::vector<std::string> super_options;   // after the separator, split at ','
};

// Lines that do not parse are skipped.
std::vector<MountInfoEntry> parse_mountinfo(const std::string& text);

} // namespace oci::util
