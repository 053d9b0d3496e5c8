// Namespace type names: the spec's strings <-> spec::NamespaceType.
#include "spec/names.hpp"

namespace oci::spec {

const char* to_string(NamespaceType type)
{
    switch (type) {
    case NamespaceType::pid: return "pid";
    case NamespaceType::network: return "network";
    case NamespaceType::mount: return "mount";
    case NamespaceType::ipc: return "ipc";
    case NamespaceType::uts: return "uts";
    case NamespaceType::user: return "user";
    case NamespaceType::cgroup: return "cgroup";
    case NamespaceType::time: return "time";
    }
    return "unknown";
}

std::optional<NamespaceType> names::namespace_type_from_string(std::string_view name)
{
    for (auto type : {NamespaceType::pid, NamespaceType::network, NamespaceType::mount,
                      NamespaceType::ipc, NamespaceType::uts, NamespaceType::user,
                      NamespaceType::cgroup, NamespaceType::time})
        if (name == to_string(type))
            return type;
    return std::nullopt;
}

} // namespace oci::spec
