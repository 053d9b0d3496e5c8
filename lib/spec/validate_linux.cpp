// Checks of the `linux` object: namespaces and id mappings, devices, paths,
// sysctl keys, enumerated values and seccomp names. (linux.resources has
// its own list in validate_resources.cpp.)
#include "spec/checks.hpp"
#include "spec/names.hpp"

#include <set>

namespace oci::spec {

namespace {

using checks::problem;
using json::child_path;
using json::index_path;

const std::string at = "linux";

Finding check_namespaces(const LinuxConfig& lc)
{
    std::set<NamespaceType> seen;
    const auto& namespaces = lc.namespaces;
    for (std::size_t i = 0; i < namespaces.size(); ++i) {
        std::string path = index_path(child_path(at, "namespaces"), i);
        if (!seen.insert(namespaces[i].type).second)
            return problem(child_path(path, "type"), std::string("duplicate namespace \"") + to_string(namespaces[i].type) + "\"");
        if (!namespaces[i].path.empty() && !checks::is_absolute(namespaces[i].path))
            return problem(child_path(path, "path"), checks::not_absolute(namespaces[i].path));
    }
    return std::nullopt;
}

Finding check_mapping_sizes(const std::vector<IdMapping>& mappings, const std::string& path)
{
    for (std::size_t i = 0; i < mappings.size(); ++i)
        if (mappings[i].size == 0)
            return problem(child_path(index_path(path, i), "size"), "must be at least 1");
    return std::nullopt;
}

// Mappings only mean something for a user namespace, and a new user
// namespace without them leaves every id unmapped (runc refuses both). A
// namespace joined by path already has its mappings; any given here are for
// the runtime to compare against them.
Finding check_id_mappings(const LinuxConfig& lc)
{
    const Namespace* user_ns = nullptr;
    for (const Namespace& ns : lc.namespaces)
        if (ns.type == NamespaceType::user)
            user_ns = &ns;
    std::string uid_path = child_path(at, "uidMappings");
    std::string gid_path = child_path(at, "gidMappings");
    if (!user_ns) {
        if (!lc.uid_mappings.empty())
            return problem(uid_path, "mappings need a user namespace in linux.namespaces");
        if (!lc.gid_mappings.empty())
            return problem(gid_path, "mappings need a user namespace in linux.namespaces");
    } else if (user_ns->path.empty()) {
        if (lc.uid_mappings.empty())
            return problem(uid_path, "a new user namespace needs uid mappings");
        if (lc.gid_mappings.empty())
            return problem(gid_path, "a new user namespace needs gid mappings");
    }
    if (Finding found = check_mapping_sizes(lc.uid_mappings, uid_path))
        return found;
    return check_mapping_sizes(lc.gid_mappings, gid_path);
}

Finding check_devices(const LinuxConfig& lc)
{
    const auto& devices = lc.devices;
    for (std::size_t i = 0; i < devices.size(); ++i) {
        std::string path = index_path(child_path(at, "devices"), i);
        const std::string& type = devices[i].type;
        if (type != "c" && type != "b" && type != "u" && type != "p")
            return problem(child_path(path, "type"), "expected one of \"c\", \"b\", \"u\", \"p\", got " + json::quote(type));
        if (!checks::is_absolute(devices[i].path))
            return problem(child_path(path, "path"), checks::not_absolute(devices[i].path));
    }
    return std::nullopt;
}

Finding check_sysctl(const LinuxConfig& lc)
{
    for (const auto& [key, value] : lc.sysctl)
        if (key.empty())
            return problem(child_path(child_path(at, "sysctl"), key), "keys must not be empty");
    return std::nullopt;
}

Finding check_rootfs_propagation(const LinuxConfig& lc)
{
    const std::string& propagation = lc.rootfs_propagation;
    if (!propagation.empty() && !names::contains(names::rootfs_propagations, propagation))
        return problem(child_path(at, "rootfsPropagation"), checks::unknown_name(names::rootfs_propagations, "propagation", propagation));
    return std::nullopt;
}

Finding check_path_list(const std::vector<std::string>& paths, const std::string& path)
{
    for (std::size_t i = 0; i < paths.size(); ++i)
        if (!checks::is_absolute(paths[i]))
            return problem(index_path(path, i), checks::not_absolute(paths[i]));
    return std::nullopt;
}

Finding check_masked_and_readonly_paths(const LinuxConfig& lc)
{
    if (Finding found = check_path_list(lc.masked_paths, child_path(at, "maskedPaths")))
        return found;
    return check_path_list(lc.readonly_paths, child_path(at, "readonlyPaths"));
}

Finding check_personality(const LinuxConfig& lc)
{
    const auto& personality = lc.personality;
    if (personality && !names::contains(names::personality_domains, personality->domain))
        return problem(child_path(child_path(at, "personality"), "domain"), checks::unknown_name(names::personality_domains, "personality domain", personality->domain));
    return std::nullopt;
}

Finding check_memory_policy(const LinuxConfig& lc)
{
    const auto& policy = lc.memory_policy;
    if (!policy)
        return std::nullopt;
    std::string path = child_path(at, "memoryPolicy");
    if (!names::contains(names::memory_policy_modes, policy->mode))
        return problem(child_path(path, "mode"), checks::unknown_name(names::memory_policy_modes, "memory policy mode", policy->mode));
    for (std::size_t i = 0; i < policy->flags.size(); ++i)
        if (!names::contains(names::memory_policy_flags, policy->flags[i]))
            return problem(index_path(child_path(path, "flags"), i), checks::unknown_name(names::memory_policy_flags, "memory policy flag", policy->flags[i]));
    return std::nullopt;
}

Finding check_intel_rdt(const LinuxConfig& lc)
{
    const auto& rdt = lc.intel_rdt;
    if (!rdt || rdt->mem_bw_schema.empty())
        return std::nullopt;
    const std::string& schema = rdt->mem_bw_schema;
    if (schema.compare(0, 3, "MB:") != 0 || schema.find('\n') != std::string::npos)
        return problem(child_path(child_path(at, "intelRdt"), "memBwSchema"), "expected one line starting with \"MB:\", got " + json::quote(schema));
    return std::nullopt;
}

template <class Set>
Finding check_names(const std::vector<std::string>& values, const Set& set, const char* what, const std::string& path)
{
    for (std::size_t i = 0; i < values.size(); ++i)
        if (!names::contains(set, values[i]))
            return problem(index_path(path, i), checks::unknown_name(set, what, values[i]));
    return std::nullopt;
}

// Names only; whether libseccomp and the kernel know every syscall name is
// found out when the filter is compiled.
Finding check_seccomp(const LinuxConfig& lc)
{
    const auto& seccomp = lc.seccomp;
    if (!seccomp)
        return std::nullopt;
    std::string path = child_path(at, "seccomp");
    if (!names::contains(names::seccomp_actions, seccomp->default_action))
        return problem(child_path(path, "defaultAction"), checks::unknown_name(names::seccomp_actions, "seccomp action", seccomp->default_action));
    if (Finding found = check_names(seccomp->architectures, names::seccomp_architectures, "seccomp architecture", child_path(path, "architectures")))
        return found;
    if (Finding found = check_names(seccomp->flags, names::seccomp_flags, "seccomp flag", child_path(path, "flags")))
        return found;
    for (std::size_t i = 0; i < seccomp->syscalls.size(); ++i) {
        const SeccompSyscall& syscall = seccomp->syscalls[i];
        std::string at_syscall = index_path(child_path(path, "syscalls"), i);
        if (syscall.names.empty())
            return problem(child_path(at_syscall, "names"), "must name at least one syscall");
        if (!names::contains(names::seccomp_actions, syscall.action))
            return problem(child_path(at_syscall, "action"), checks::unknown_name(names::seccomp_actions, "seccomp action", syscall.action));
        for (std::size_t j = 0; j < syscall.args.size(); ++j)
            if (!names::contains(names::seccomp_operators, syscall.args[j].op))
                return problem(child_path(index_path(child_path(at_syscall, "args"), j), "op"), checks::unknown_name(names::seccomp_operators, "seccomp operator", syscall.args[j].op));
    }
    return std::nullopt;
}

Finding check_resources(const LinuxConfig& lc)
{
    const auto& resources = lc.resources;
    if (!resources)
        return std::nullopt;
    return find_resources_problem(*resources, child_path(at, "resources"));
}

// Runs a check of the linux object when the config has one.
template <Finding (*check)(const LinuxConfig&)>
Finding on_linux(const Config& config)
{
    return config.linux_config ? check(*config.linux_config) : std::nullopt;
}

const std::vector<ConfigCheck> checks_of_linux = {
    {"namespace types are unique, paths absolute", on_linux<check_namespaces>},
    {"id mappings iff a new user namespace", on_linux<check_id_mappings>},
    {"device types and paths", on_linux<check_devices>},
    {"sysctl keys", on_linux<check_sysctl>},
    {"rootfsPropagation", on_linux<check_rootfs_propagation>},
    {"masked and read-only paths absolute", on_linux<check_masked_and_readonly_paths>},
    {"personality domain", on_linux<check_personality>},
    {"memoryPolicy mode and flags", on_linux<check_memory_policy>},
    {"intelRdt memBwSchema", on_linux<check_intel_rdt>},
    {"seccomp names", on_linux<check_seccomp>},
    {"resources", on_linux<check_resources>},
};

} // namespace

const std::vector<ConfigCheck>& checks::linux_checks()
{
    return checks_of_linux;
}

} // namespace oci::spec
