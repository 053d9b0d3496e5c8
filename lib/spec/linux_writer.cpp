// Writing the `linux` object (without resources, see resources_writer.cpp).
#include "spec/writers.hpp"

namespace oci::spec {

namespace {

using namespace json;

void write_namespace(Writer& w, const Namespace& ns)
{
    w.begin_object();
    w.key("type");
    w.string(to_string(ns.type));
    text_field(w, "path", ns.path);
    w.end_object();
}

void write_time_offset(Writer& w, const TimeOffset& offset)
{
    int_field(w, "secs", offset.secs);
    int_field(w, "nanosecs", offset.nanosecs);
}

void write_device(Writer& w, const Device& d)
{
    w.begin_object();
    w.key("type");
    w.string(d.type);
    w.key("path");
    w.string(d.path);
    // A fifo ("p") has no device number.
    if (d.type != "p" || d.major != 0 || d.minor != 0) {
        int_field(w, "major", d.major);
        int_field(w, "minor", d.minor);
    }
    int_field(w, "fileMode", d.file_mode);
    int_field(w, "uid", d.uid);
    int_field(w, "gid", d.gid);
    w.end_object();
}

void write_seccomp_arg(Writer& w, const SeccompArg& a)
{
    w.begin_object();
    int_field(w, "index", a.index);
    int_field(w, "value", a.value);
    nonzero_field(w, "valueTwo", a.value_two);
    w.key("op");
    w.string(a.op);
    w.end_object();
}

void write_syscall(Writer& w, const SeccompSyscall& s)
{
    w.begin_object();
    w.key("names");
    w.strings(s.names);
    w.key("action");
    w.string(s.action);
    int_field(w, "errnoRet", s.errno_ret);
    list_field(w, "args", s.args, write_seccomp_arg);
    w.end_object();
}

void write_seccomp(Writer& w, const Seccomp& s)
{
    w.key("defaultAction");
    w.string(s.default_action);
    int_field(w, "defaultErrnoRet", s.default_errno_ret);
    strings_field(w, "architectures", s.architectures);
    strings_field(w, "flags", s.flags);
    text_field(w, "listenerPath", s.listener_path);
    text_field(w, "listenerMetadata", s.listener_metadata);
    list_field(w, "syscalls", s.syscalls, write_syscall);
}

void write_intel_rdt(Writer& w, const IntelRdt& rdt)
{
    text_field(w, "closID", rdt.clos_id);
    strings_field(w, "schemata", rdt.schemata);
    text_field(w, "l3CacheSchema", rdt.l3_cache_schema);
    text_field(w, "memBwSchema", rdt.mem_bw_schema);
    true_field(w, "enableMonitoring", rdt.enable_monitoring);
}

void write_net_devices(Writer& w, const std::map<std::string, NetDevice>& devices)
{
    if (devices.empty())
        return;
    w.key("netDevices");
    w.begin_object();
    for (const auto& [host_name, device] : devices) {
        w.key(host_name);
        w.begin_object();
        text_field(w, "name", device.name);
        w.end_object();
    }
    w.end_object();
}

} // namespace

void detail::write_linux_config(Writer& w, const LinuxConfig& lc)
{
    list_field(w, "namespaces", lc.namespaces, write_namespace);
    list_field(w, "uidMappings", lc.uid_mappings, write_id_mapping);
    list_field(w, "gidMappings", lc.gid_mappings, write_id_mapping);
    object_field(w, "timeOffsets", lc.time_offsets, [](Writer& o, const TimeOffsets& t) {
        object_field(o, "boottime", t.boottime, write_time_offset);
        object_field(o, "monotonic", t.monotonic, write_time_offset);
    });
    list_field(w, "devices", lc.devices, write_device);
    text_field(w, "cgroupsPath", lc.cgroups_path);
    object_field(w, "resources", lc.resources, detail::write_resources);
    map_field(w, "sysctl", lc.sysctl);
    object_field(w, "seccomp", lc.seccomp, write_seccomp);
    text_field(w, "rootfsPropagation", lc.rootfs_propagation);
    strings_field(w, "maskedPaths", lc.masked_paths);
    strings_field(w, "readonlyPaths", lc.readonly_paths);
    text_field(w, "mountLabel", lc.mount_label);
    object_field(w, "personality", lc.personality, [](Writer& o, const Personality& p) {
        o.key("domain");
        o.string(p.domain);
        strings_field(o, "flags", p.flags);
    });
    object_field(w, "intelRdt", lc.intel_rdt, write_intel_rdt);
    object_field(w, "memoryPolicy", lc.memory_policy, [](Writer& o, const MemoryPolicy& p) {
        o.key("mode");
        o.string(p.mode);
        text_field(o, "nodes", p.nodes);
        strings_field(o, "flags", p.flags);
    });
    write_net_devices(w, lc.net_devices);
}

} // namespace oci::spec
