// The typed model of an OCI runtime-spec v1.3.0 config.json (Linux part),
// and the functions that read, validate and write it.
//
// Field names follow the JSON names in snake_case. std::optional marks a
// field whose absence means something different from its zero value (for
// example a missing process.user.umask leaves the runtime's default, and a
// missing memory.limit leaves the cgroup untouched). The spec's `linux`
// object is `LinuxConfig` (`linux` is a macro in GNU dialects).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace oci::spec {

using StringMap = std::map<std::string, std::string>;

struct Root {
    std::string path;
    bool readonly = false;
    bool operator==(const Root&) const = default;
};

struct IdMapping {
    uint32_t container_id = 0;
    uint32_t host_id = 0;
    uint32_t size = 0;
    bool operator==(const IdMapping&) const = default;
};

struct Mount {
    std::string destination;
    std::string type;                 // empty when absent
    std::string source;               // empty when absent
    std::vector<std::string> options;
    std::vector<IdMapping> uid_mappings;
    std::vector<IdMapping> gid_mappings;
    bool operator==(const Mount&) const = default;
};

struct Hook {
    std::string path;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::optional<int64_t> timeout;   // seconds, >= 1
    bool operator==(const Hook&) const = default;
};

struct Hooks {
    std::vector<Hook> prestart;
    std::vector<Hook> create_runtime;
    std::vector<Hook> create_container;
    std::vector<Hook> start_container;
    std::vector<Hook> poststart;
    std::vector<Hook> poststop;
    bool operator==(const Hooks&) const = default;
};

struct ConsoleSize {
    uint64_t height = 0;
    uint64_t width = 0;
    bool operator==(const ConsoleSize&) const = default;
};

struct User {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::optional<uint32_t> umask;
    std::vector<uint32_t> additional_gids;
    std::string username;
    bool operator==(const User&) const = default;
};

// Capability names as written in the config ("CAP_CHOWN").
struct Capabilities {
    std::optional<std::vector<std::string>> bounding;
    std::optional<std::vector<std::string>> effective;
    std::optional<std::vector<std::string>> inheritable;
    std::optional<std::vector<std::string>> permitted;
    std::optional<std::vector<std::string>> ambient;
    bool operator==(const Capabilities&) const = default;
};

struct Rlimit {
    std::string type;                 // "RLIMIT_NOFILE"
    uint64_t soft = 0;
    uint64_t hard = 0;
    bool operator==(const Rlimit&) const = default;
};

struct IoPriority {
    std::string io_class;             // IOPRIO_CLASS_RT | _BE | _IDLE
    int32_t priority = 0;
    bool operator==(const IoPriority&) const = default;
};

struct Scheduler {
    std::string policy;               // SCHED_OTHER ...
    int32_t nice = 0;
    int32_t priority = 0;
    std::vector<std::string> flags;
    uint64_t runtime = 0;
    uint64_t deadline = 0;
    uint64_t period = 0;
    bool operator==(const Scheduler&) const = default;
};

struct ExecCpuAffinity {
    std::string initial;
    std::string final_cpus;           // JSON "final"
    bool operator==(const ExecCpuAffinity&) const = default;
};

struct Process {
    bool terminal = false;
    std::optional<ConsoleSize> console_size;
    User user;
    std::vector<std::string> args;
    std::string command_line;         // Windows only; kept for round trips
    std::vector<std::string> env;
    std::string cwd;
    std::optional<Capabilities> capabilities;
    std::vector<Rlimit> rlimits;
    bool no_new_privileges = false;
    std::string apparmor_profile;
    std::string selinux_label;
    std::optional<int> oom_score_adj;
    std::optional<IoPriority> io_priority;
    std::optional<Scheduler> scheduler;
    std::optional<ExecCpuAffinity> exec_cpu_affinity;
    bool operator==(const Process&) const = default;
};

enum class NamespaceType { pid, network, mount, ipc, uts, user, cgroup, time };

struct Namespace {
    NamespaceType type = NamespaceType::pid;
    std::string path;                 // empty: create a new one
    bool operator==(const Namespace&) const = default;
};

struct TimeOffset {
    int64_t secs = 0;
    uint32_t nanosecs = 0;
    bool operator==(const TimeOffset&) const = default;
};

struct TimeOffsets {
    std::optional<TimeOffset> boottime;
    std::optional<TimeOffset> monotonic;
    bool operator==(const TimeOffsets&) const = default;
};

struct Device {
    std::string type;                 // "c", "b", "u" or "p"
    std::string path;
    int64_t major = 0;
    int64_t minor = 0;
    std::optional<uint32_t> file_mode;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;
    bool operator==(const Device&) const = default;
};

// --- linux.resources -------------------------------------------------------

struct DeviceCgroupRule {
    bool allow = false;
    std::string type;                 // "a", "c", "b"; empty means all
    std::optional<int64_t> major;     // absent means all (-1 in runc)
    std::optional<int64_t> minor;
    std::string access;               // subset of "rwm"
    bool operator==(const DeviceCgroupRule&) const = default;
};

struct MemoryResources {
    std::optional<int64_t> limit;
    std::optional<int64_t> reservation;
    std::optional<int64_t> swap;
    std::optional<int64_t> kernel;
    std::optional<int64_t> kernel_tcp;
    std::optional<uint64_t> swappiness;
    std::optional<bool> disable_oom_killer;
    std::optional<bool> use_hierarchy;
    std::optional<bool> check_before_update;
    bool operator==(const MemoryResources&) const = default;
};

struct CpuResources {
    std::optional<uint64_t> shares;
    std::optional<int64_t> quota;
    std::optional<uint64_t> burst;
    std::optional<uint64_t> period;
    std::optional<int64_t> realtime_runtime;
    std::optional<uint64_t> realtime_period;
    std::string cpus;
    std::string mems;
    std::optional<int64_t> idle;
    bool operator==(const CpuResources&) const = default;
};

struct PidsResources {
    int64_t limit = 0;
    bool operator==(const PidsResources&) const = default;
};

struct BlockIoWeightDevice {
    int64_t major = 0;
    int64_t minor = 0;
    std::optional<uint16_t> weight;
    std::optional<uint16_t> leaf_weight;
    bool operator==(const BlockIoWeightDevice&) const = default;
};

struct BlockIoThrottleDevice {
    int64_t major = 0;
    int64_t minor = 0;
    uint64_t rate = 0;
    bool operator==(const BlockIoThrottleDevice&) const = default;
};

struct BlockIoResources {
    std::optional<uint16_t> weight;
    std::optional<uint16_t> leaf_weight;
    std::vector<BlockIoWeightDevice> weight_device;
    std::vector<BlockIoThrottleDevice> throttle_read_bps_device;
    std::vector<BlockIoThrottleDevice> throttle_write_bps_device;
    std::vector<BlockIoThrottleDevice> throttle_read_iops_device;
    std::vector<BlockIoThrottleDevice> throttle_write_iops_device;
    bool operator==(const BlockIoResources&) const = default;
};

struct HugepageLimit {
    std::string page_size;            // "2MB"
    uint64_t limit = 0;
    bool operator==(const HugepageLimit&) const = default;
};

struct NetworkPriority {
    std::string name;
    uint32_t priority = 0;
    bool operator==(const NetworkPriority&) const = default;
};

struct NetworkResources {
    std::optional<uint32_t> class_id;
    std::vector<NetworkPriority> priorities;
    bool operator==(const NetworkResources&) const = default;
};

struct RdmaLimit {
    std::optional<uint32_t> hca_handles;
    std::optional<uint32_t> hca_objects;
    bool operator==(const RdmaLimit&) const = default;
};

struct Resources {
    std::vector<DeviceCgroupRule> devices;
    std::optional<MemoryResources> memory;
    std::optional<CpuResources> cpu;
    std::optional<PidsResources> pids;
    std::optional<BlockIoResources> block_io;
    std::vector<HugepageLimit> hugepage_limits;
    std::optional<NetworkResources> network;
    std::map<std::string, RdmaLimit> rdma;
    StringMap unified;
    bool operator==(const Resources&) const = default;
};

// --- linux.seccomp ---------------------------------------------------------

struct SeccompArg {
    uint32_t index = 0;
    uint64_t value = 0;
    uint64_t value_two = 0;
    std::string op;                   // SCMP_CMP_EQ ...
    bool operator==(const SeccompArg&) const = default;
};

struct SeccompSyscall {
    std::vector<std::string> names;
    std::string action;               // SCMP_ACT_ERRNO ...
    std::optional<uint32_t> errno_ret;
    std::vector<SeccompArg> args;
    bool operator==(const SeccompSyscall&) const = default;
};

struct Seccomp {
    std::string default_action;
    std::optional<uint32_t> default_errno_ret;
    std::vector<std::string> architectures;
    std::vector<std::string> flags;
    std::string listener_path;
    std::string listener_metadata;
    std::vector<SeccompSyscall> syscalls;
    bool operator==(const Seccomp&) const = default;
};

// --- the rest of linux -----------------------------------------------------

struct IntelRdt {
    std::string clos_id;
    std::vector<std::string> schemata;
    std::string l3_cache_schema;
    std::string mem_bw_schema;
    bool enable_monitoring = false;
    bool operator==(const IntelRdt&) const = default;
};

struct MemoryPolicy {
    std::string mode;                 // MPOL_*
    std::string nodes;
    std::vector<std::string> flags;
    bool operator==(const MemoryPolicy&) const = default;
};

struct Personality {
    std::string domain;               // LINUX | LINUX32
    std::vector<std::string> flags;
    bool operator==(const Personality&) const = default;
};

struct NetDevice {
    std::string name;                 // name inside the container; empty: keep
    bool operator==(const NetDevice&) const = default;
};

struct LinuxConfig {
    std::vector<Namespace> namespaces;
    std::vector<IdMapping> uid_mappings;
    std::vector<IdMapping> gid_mappings;
    std::optional<TimeOffsets> time_offsets;
    std::vector<Device> devices;
    std::string cgroups_path;
    std::optional<Resources> resources;
    StringMap sysctl;
    std::optional<Seccomp> seccomp;
    std::string rootfs_propagation;   // empty, private, shared, slave, unbindable
    std::vector<std::string> masked_paths;
    std::vector<std::string> readonly_paths;
    std::string mount_label;
    std::optional<Personality> personality;
    std::optional<IntelRdt> intel_rdt;
    std::optional<MemoryPolicy> memory_policy;
    std::map<std::string, NetDevice> net_devices;  // host name -> settings
    bool operator==(const LinuxConfig&) const = default;
};

struct Config {
    std::string oci_version;
    Root root;
    std::vector<Mount> mounts;
    std::optional<Process> process;
    std::string hostname;
    std::string domainname;
    Hooks hooks;
    StringMap annotations;
    std::optional<LinuxConfig> linux_config;  // JSON "linux"
    bool operator==(const Config&) const = default;
};

// Parses and validates config.json text. Throws oci::Error whose message is
//   "<source_name>: <json.path>: <what is wrong>"
// or, for syntax errors, "<source_name>:<line>:<column>: <what>".
Config parse_config(const std::string& json_text,
                    const std::string& source_name = "config.json");

// Reads <bundle>/config.json and parses it.
Config load_config(const std::string& bundle_dir);
// The same, with the text as it was read.
Config load_config(const std::string& bundle_dir, std::string& text);

// Serialises a model back to JSON (pretty when indent is true). The output
// parses back to an equal Config.
std::string to_json(const Config& config, bool pretty = true);

// runc's `spec` defaults: a shell in a busybox-like rootfs, with the usual
// mounts, masked and read-only paths. `rootless` gives the variant for an
// unprivileged user: a user namespace mapping the caller's uid/gid, no
// network namespace, /sys bound read-only, no cgroup resources.
Config default_config(bool rootless = false, uint32_t host_uid = 0,
                      uint32_t host_gid = 0);

// Parses a process.json (the `process` object on its own), as `exec
// --process` takes it. Errors name paths relative to the object.
Process parse_process(const std::string& json_text,
                      const std::string& source_name = "process.json");

// linux.resources on its own, as `update --resources` takes it.
Resources parse_resources(const std::string& json_text,
                          const std::string& source_name = "resources.json");

const char* to_string(NamespaceType type);

} // namespace oci::spec
