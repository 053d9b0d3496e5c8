// Pure translation to the unit properties runc sets when it starts a
// container's transient unit (StartTransientUnit) or updates it
// (SetUnitProperties). The same resources are also written to the cgroup
// files afterwards, so the conversions are the cgroupfs translators' own
// (shares_to_weight, swap_to_v2): systemd and the kernel agree, and a
// `systemctl daemon-reload` does not undo the limits.
#pragma once

#include "cgroups/devices.hpp"
#include "cgroups/systemd_unit.hpp"

#include <oci/spec.hpp>

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace oci::cgroups {

// D-Bus types: b, t, s, au, as, ay, a(ss) (DeviceAllow: path, access).
using DeviceAllowList = std::vector<std::pair<std::string, std::string>>;
using PropertyValue = std::variant<bool, uint64_t, std::string, std::vector<uint32_t>, std::vector<std::string>,
                                   std::vector<uint8_t>, DeviceAllowList>;

struct SystemdProperty {
    std::string name;
    PropertyValue value;
    bool operator==(const SystemdProperty&) const = default;
};

// systemd's "infinity" for limits (USEC_INFINITY, CGROUP_LIMIT_MAX).
inline constexpr uint64_t kSystemdInfinity = UINT64_MAX;

// What decides which properties a systemd understands.
struct SystemdHost {
    bool unified = true;   // cgroup2-only: MemoryMax, CPUWeight; else MemoryLimit, CPUShares
    int version = 0;       // systemd's major version (0: unknown, assume recent)
};

// The properties of a new unit: Description, Slice (a scope) or Wants (a
// slice), Delegate and PIDs (a scope), the accounting switches and
// DefaultDependencies=false.
std::vector<SystemdProperty> unit_properties(const SystemdUnit& unit, pid_t pid, const std::string& description,
                                             const SystemdHost& host);

// The resource properties: MemoryMax/MemoryLow/MemorySwapMax (v2) or
// MemoryLimit (v1), CPUWeight (v2) or CPUShares (v1), CPUQuotaPerSecUSec,
// CPUQuotaPeriodUSec (systemd >= 242), TasksMax, BlockIOWeight (v1),
// AllowedCPUs/AllowedMemoryNodes (v2, systemd >= 244). Unset fields give no
// property. Throws as the v2 translator does for an invalid swap.
std::vector<SystemdProperty> resource_properties(const spec::Resources& resources, const SystemdHost& host);

// The name /proc/devices gives a major ("pts" for c 136), "" when unknown.
using DeviceGroupLookup = std::function<std::string(char type, int64_t major)>;

struct DeviceProperties {
    std::vector<SystemdProperty> properties;
    std::vector<std::string> warnings;
};

// The device policy (container_device_rules) as systemd's DevicePolicy and
// DeviceAllow, so that systemd, which re-applies its own settings to the
// unit's cgroup (on v1 at every daemon-reload), keeps the container's:
// an allow list becomes DevicePolicy=strict with DeviceAllow= cleared, then
// one entry per allowed device ("/dev/char/1:3", "char-pts" for a whole
// major, "char-*" for all); allow-all becomes DevicePolicy=auto. systemd
// cannot express deny rules on top of allow-all: then nothing is set, with a
// warning. The entries are never narrower than the rules (a deny inside an
// allowed range stays to the cgroup's own policy, which applies as well).
DeviceProperties device_properties(const std::vector<DeviceRule>& rules, const DeviceGroupLookup& group);

// The group of a major in /proc/devices text ("Character devices:" /
// "Block devices:" sections of "major name" lines), "" when absent.
std::string device_group(const std::string& proc_devices, char type, int64_t major);

// `update` may name the CFS quota without the period or the reverse, but
// CPUQuotaPerSecUSec needs both (and cpu.max, given a period alone, lifts the
// quota): the missing half is taken from the cgroup as it is now, read by `read` (cgroup2 "cpu.max", or cgroup v1
// "cpu.cfs_quota_us" and "cpu.cfs_period_us"; nullopt when absent).
using CgroupFileReader = std::function<std::optional<std::string>(const std::string& file)>;
spec::Resources complete_cpu_quota(spec::Resources resources, bool unified, const CgroupFileReader& read);

// runc's CPUQuotaPerSecUSec: quota/period per second, rounded up to 10 ms
// (systemd keeps whole percents); infinity for a quota <= 0.
uint64_t cpu_quota_per_sec_usec(int64_t quota, uint64_t period);

// A cpuset list ("0-3,8") as systemd's AllowedCPUs bitmask: bit n of byte
// n/8 for CPU n. Throws oci::Error for a malformed list.
std::vector<uint8_t> cpuset_to_bits(const std::string& list);

} // namespace oci::cgroups
