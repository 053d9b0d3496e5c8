// The device cgroup policy of a container: one ordered rule list, built from
// linux.resources.devices as runc builds it, applied as devices.deny /
// devices.allow lines on cgroup v1 (here) or as an eBPF program on cgroup v2
// (devices_v2_ebpf.hpp). Later rules win over earlier ones.
#pragma once

#include "cgroups/translate.hpp"

#include <oci/spec.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace oci::cgroups {

struct DeviceRule {
    bool allow = false;
    char type = 'a';            // 'a' (all), 'c', 'b'
    int64_t major = -1;         // -1: any
    int64_t minor = -1;         // -1: any
    std::string access = "rwm"; // letters of "rwm"
    std::string origin;         // what errors name: "linux.resources.devices[2]"

    bool same_rule(const DeviceRule& o) const
    {
        return allow == o.allow && type == o.type && major == o.major && minor == o.minor && access == o.access;
    }
};

// runc's AllowedDevices (mknod of any device; null, zero, full, random,
// urandom, tty, ptmx, /dev/pts/*, tun) plus /dev/console (5:1) as crun has it.
// Users cannot take these away: they are appended after the configured rules.
const std::vector<DeviceRule>& default_allowed_devices();

// The complete list: deny all (where runc's device emulator starts, so a
// config without rules still gets only the defaults) unless the first
// configured rule already is a rule for all devices; then the configured
// rules; then the defaults. Throws for a rule without access letters.
std::vector<DeviceRule> container_device_rules(const std::vector<spec::DeviceCgroupRule>& configured);

// "c 1:3 rwm", "a *:* rwm", "c 136:* rwm".
std::string v1_device_line(const DeviceRule& rule);

// One devices.allow or devices.deny write per rule (controller "devices").
std::vector<Write> v1_device_writes(const std::vector<DeviceRule>& rules);

} // namespace oci::cgroups
