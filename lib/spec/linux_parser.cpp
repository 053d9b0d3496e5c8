// Reading the `linux` object into spec::LinuxConfig (resources and seccomp
// have files of their own).
#include "spec/names.hpp"
#include "spec/parsers.hpp"

namespace oci::spec::detail {

namespace {

Namespace read_namespace(const json::Node& node)
{
    Namespace ns;
    json::Node type = node.required("type");
    auto parsed = names::namespace_type_from_string(type.as_string());
    if (!parsed)
        type.fail("unknown namespace type " + json::describe(type.value()));
    ns.type = *parsed;
    node.read("path", ns.path);
    return ns;
}

TimeOffset read_time_offset(const json::Node& node)
{
    TimeOffset offset;
    node.read("secs", offset.secs);
    node.read("nanosecs", offset.nanosecs);
    return offset;
}

TimeOffsets read_time_offsets(const json::Node& node)
{
    TimeOffsets offsets;
    if (auto boottime = node.get("boottime"))
        offsets.boottime = read_time_offset(*boottime);
    if (auto monotonic = node.get("monotonic"))
        offsets.monotonic = read_time_offset(*monotonic);
    return offsets;
}

Device read_device(const json::Node& node)
{
    Device device;
    node.read_required("type", device.type);
    node.read_required("path", device.path);
    node.read("major", device.major);
    node.read("minor", device.minor);
    if (auto mode = node.get("fileMode"))
        device.file_mode = static_cast<uint32_t>(mode->as_unsigned(0777));
    node.read("uid", device.uid);
    node.read("gid", device.gid);
    return device;
}

Personality read_personality(const json::Node& node)
{
    Personality personality;
    node.read_required("domain", personality.domain);
    node.read("flags", personality.flags);
    return personality;
}

IntelRdt read_intel_rdt(const json::Node& node)
{
    IntelRdt rdt;
    node.read("closID", rdt.clos_id);
    node.read("schemata", rdt.schemata);
    node.read("l3CacheSchema", rdt.l3_cache_schema);
    node.read("memBwSchema", rdt.mem_bw_schema);
    node.read("enableMonitoring", rdt.enable_monitoring);
    return rdt;
}

MemoryPolicy read_memory_policy(const json::Node& node)
{
    MemoryPolicy policy;
    node.read_required("mode", policy.mode);
    node.read("nodes", policy.nodes);
    node.read("flags", policy.flags);
    return policy;
}

NetDevice read_net_device(const json::Node& node)
{
    NetDevice device;
    node.read("name", device.name);
    return device;
}

} // namespace

IdMapping read_id_mapping(const json::Node& node)
{
    IdMapping mapping;
    node.read_required("containerID", mapping.container_id);
    node.read_required("hostID", mapping.host_id);
    node.read_required("size", mapping.size);
    return mapping;
}

LinuxConfig read_linux_config(const json::Node& node)
{
    LinuxConfig config;
    config.namespaces = node.read_each("namespaces", read_namespace);
    config.uid_mappings = node.read_each("uidMappings", read_id_mapping);
    config.gid_mappings = node.read_each("gidMappings", read_id_mapping);
    if (auto offsets = node.get("timeOffsets"))
        config.time_offsets = read_time_offsets(*offsets);
    config.devices = node.read_each("devices", read_device);
    node.read("cgroupsPath", config.cgroups_path);
    if (auto resources = node.get("resources"))
        config.resources = read_resources(*resources);
    node.read("sysctl", config.sysctl);
    if (auto seccomp = node.get("seccomp"))
        config.seccomp = read_seccomp(*seccomp);
    node.read("rootfsPropagation", config.rootfs_propagation);
    node.read("maskedPaths", config.masked_paths);
    node.read("readonlyPaths", config.readonly_paths);
    node.read("mountLabel", config.mount_label);
    if (auto personality = node.get("personality"))
        config.personality = read_personality(*personality);
    if (auto rdt = node.get("intelRdt"))
        config.intel_rdt = read_intel_rdt(*rdt);
    if (auto policy = node.get("memoryPolicy"))
        config.memory_policy = read_memory_policy(*policy);
    if (auto devices = node.get("netDevices"))
        for (const auto& [name, device] : devices->members())
            config.net_devices[name] = read_net_device(device);
    return config;
}

} // namespace oci::spec::detail
