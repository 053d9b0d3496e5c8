// Namespace plan: which namespaces a container gets new, which it joins by
// path, and the flags and order the kernel needs for each.
#pragma once

#include "util/unique_fd.hpp"

#include <oci/spec.hpp>

#include <string>
#include <vector>

namespace oci::sys {

int clone_flag(spec::NamespaceType type);

struct JoinedNamespace {
    spec::NamespaceType type;
    std::string path;
    util::unique_fd fd;   // opened by the parent before anything is created
};

struct NamespacePlan {
    int new_flags = 0;                      // CLONE_NEW* to create
    std::vector<JoinedNamespace> joins;     // user first, then the rest in spec order

    bool creates(spec::NamespaceType t) const { return (new_flags & clone_flag(t)) != 0; }
    bool joins_type(spec::NamespaceType t) const;
    bool has(spec::NamespaceType t) const { return creates(t) || joins_type(t); }
};

// Opens every namespace path (O_CLOEXEC) and checks that each is a namespace
// of the declared type, so a wrong path fails before anything is created.
NamespacePlan plan_namespaces(const std::vector<spec::Namespace>& namespaces);

// Whether this process is in the host's user namespace (its uid_map is the
// identity over every id). Root of any other one, as inside rootless Podman,
// has no privilege over the host's cgroups, devices or sysfs.
bool in_initial_user_ns();

// setns() into every joined namespace of the given types, user namespace first.
void join_namespaces(const NamespacePlan& plan, bool user_only, bool skip_user);

} // namespace oci::sys
