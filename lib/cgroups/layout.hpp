// The host's cgroup layout: which hierarchies are mounted under the cgroup
// root (/sys/fs/cgroup) and how, read from mountinfo text (a pure parser) or
// from the running system; and /proc/<pid>/cgroup parsed into entries.
//
// Hierarchy directories are kept relative to the cgroup root ("memory",
// "cpu,cpuacct", "unified", or "" for a cgroup2 mount at the root itself), so
// a driver can be pointed at a fake tree under /tmp by changing only the root.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace oci::cgroups {

enum class Mode {
    unified,   // cgroup2 mounted at the root
    hybrid,    // v1 hierarchies, plus cgroup2 at <root>/unified
    legacy,    // v1 hierarchies only
};

const char* to_string(Mode mode);

struct Hierarchy {
    std::string dir;                       // relative to the cgroup root: "cpu,cpuacct"; "" at the root
    std::string mount_root;                // mountinfo field 4: "/" unless a sub-tree is mounted
    std::vector<std::string> controllers;  // v1: "cpu", "cpuacct", "name=systemd"; empty for cgroup2
    bool v2 = false;
    bool operator==(const Hierarchy&) const = default;
};

struct Layout {
    Mode mode = Mode::unified;
    std::vector<Hierarchy> v1;             // empty on unified hosts
    std::optional<Hierarchy> unified;      // dir "" on unified hosts, "unified" on hybrid ones
    bool operator==(const Layout&) const = default;

    // The v1 hierarchy holding `controller` ("memory", "name=systemd"), or nullptr.
    const Hierarchy* find_v1(const std::string& controller) const;
};

// Reads the cgroup mounts at or below `root` from /proc/<pid>/mountinfo text.
// Throws oci::Error when no cgroup file system is mounted there.
Layout parse_layout(const std::string& mountinfo, const std::string& root = "/sys/fs/cgroup");

// The mode as crun decides it, from the file system types (statfs) of
// `root` and `root`/unified.
Mode detect_mode(const std::string& root = "/sys/fs/cgroup");

// parse_layout over /proc/self/mountinfo; the statfs mode must agree.
Layout detect_layout(const std::string& root = "/sys/fs/cgroup");

// One line of /proc/<pid>/cgroup: "4:memory:/a/b", "0::/c".
struct ProcCgroup {
    int id = 0;
    std::vector<std::string> controllers;  // empty for the cgroup2 line
    std::string path;                      // "/a/b"
    bool operator==(const ProcCgroup&) const = default;
};

std::vector<ProcCgroup> parse_proc_cgroup(const std::string& text);

// The path of the process in `hierarchy`, relative to that mount's root, from
// parsed /proc/<pid>/cgroup ("/" when the process sits at the mount's root or
// the hierarchy is not listed).
std::string own_path(const std::vector<ProcCgroup>& entries, const Hierarchy& hierarchy);

} // namespace oci::cgroups
