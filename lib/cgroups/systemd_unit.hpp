// linux.cgroupsPath as runc reads it with --systemd-cgroup: "slice:prefix:name".
//   slice   the parent slice unit ("" means system.slice), e.g. "machine.slice";
//   prefix  joined to name with "-": the unit is "prefix-name.scope"
//           (just "name.scope" when the prefix is empty, as crun does);
//   name    ending in ".slice", the unit is that slice instead of a scope.
// No cgroupsPath means ":ocirun:<id>", runc's ":runc:<id>" shape. Pure: the
// driver asks systemd for the unit's cgroup once it exists.
#pragma once

#include <string>

namespace oci::cgroups {

inline constexpr const char* kDefaultSlice = "system.slice";
inline constexpr const char* kDefaultScopePrefix = "ocirun";

struct SystemdUnit {
    std::string slice;   // "system.slice"
    std::string name;    // "ocirun-c1.scope" or "c1.slice"
    bool is_slice() const;
    bool operator==(const SystemdUnit&) const = default;
};

// Throws oci::Error naming linux.cgroupsPath when the path is not of the
// "slice:prefix:name" form or names no valid unit.
SystemdUnit parse_systemd_cgroups_path(const std::string& cgroups_path, const std::string& id);

// A slice unit's cgroup below systemd's root, as systemd nests slices:
// "a-b.slice" -> "/a.slice/a-b.slice"; "-.slice" -> "/". Throws for a name
// that is not a slice ("", "x.scope", "a--b.slice", "-a.slice", with "/").
std::string expand_slice(const std::string& slice);

} // namespace oci::cgroups
