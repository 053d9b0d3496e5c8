// linux.cgroupsPath as runc's cgroupfs drivers read it:
//   "/a/b"  absolute: the same path below every hierarchy's root;
//   "a/b"   relative: below the runtime's own cgroup (v1), or below the parent
//           of the runtime's own cgroup (v2, where the own cgroup already
//           holds processes and so cannot delegate controllers to children);
//   ""      ocirun's default, "/ocirun/<id>".
// Unlike runc, which folds ".." away lexically, a ".." component is refused:
// it can only mean a mistake or an attempt to leave the hierarchy.
#pragma once

#include <string>

namespace oci::cgroups {

inline constexpr const char* kDefaultParent = "/ocirun";

// Validates and normalises (no "//", no "." components, no trailing "/") the
// configured path; "" becomes "/ocirun/<id>". Throws oci::Error naming
// linux.cgroupsPath.
std::string normalize_cgroups_path(const std::string& cgroups_path, const std::string& id);

// The container's cgroup inside one hierarchy, relative to the hierarchy's
// mount ("/ocirun/c1"). `own` is the runtime's own path there (own_path()).
// Throws when the result would be the hierarchy's root itself.
std::string path_in_hierarchy(const std::string& normalized, const std::string& own, bool v2);

} // namespace oci::cgroups
