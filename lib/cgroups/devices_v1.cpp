// The container's device rule list, and its cgroup v1 devices.allow/deny lines.
#include "cgroups/devices.hpp"

#include "spec/json_reader.hpp"

#include <oci/error.hpp>

namespace oci::cgroups {

namespace {

DeviceRule allowed(char type, int64_t major, int64_t minor, const char* access)
{
    DeviceRule r;
    r.allow = true;
    r.type = type;
    r.major = major;
    r.minor = minor;
    r.access = access;
    r.origin = std::string("linux.resources.devices (default rule ") + type + " " +
               (major < 0 ? "*" : std::to_string(major)) + ":" + (minor < 0 ? "*" : std::to_string(minor)) + " " +
               access + ")";
    return r;
}

} // namespace

const std::vector<DeviceRule>& default_allowed_devices()
{
    static const std::vector<DeviceRule> rules = {
        allowed('c', -1, -1, "m"),      // mknod of any character device
        allowed('b', -1, -1, "m"),      // ... and block device
        allowed('c', 1, 3, "rwm"),      // /dev/null
        allowed('c', 1, 8, "rwm"),      // /dev/random
        allowed('c', 1, 7, "rwm"),      // /dev/full
        allowed('c', 5, 0, "rwm"),      // /dev/tty
        allowed('c', 1, 5, "rwm"),      // /dev/zero
        allowed('c', 1, 9, "rwm"),      // /dev/urandom
        allowed('c', 5, 1, "rwm"),      // /dev/console
        allowed('c', 136, -1, "rwm"),   // /dev/pts/*
        allowed('c', 5, 2, "rwm"),      // /dev/ptmx
        allowed('c', 10, 200, "rwm"),   // /dev/net/tun
    };
    return rules;
}

std::vector<DeviceRule> container_device_rules(const std::vector<spec::DeviceCgroupRule>& configured)
{
    std::vector<DeviceRule> rules;
    for (std::size_t i = 0; i < configured.size(); ++i) {
        const auto& c = configured[i];
        DeviceRule r;
        r.origin = spec::json::index_path("linux.resources.devices", i);
        r.allow = c.allow;
        r.type = c.type.empty() ? 'a' : c.type[0];
        r.major = c.major.value_or(-1);
        r.minor = c.minor.value_or(-1);
        if (c.access.empty())
            throw Error(r.origin + ".access: must name at least one of \"rwm\"");
        r.access = c.access;
        rules.push_back(std::move(r));
    }
    bool resets = !rules.empty() && rules.front().type == 'a' && rules.front().major < 0 && rules.front().minor < 0;
    if (!resets) {
        DeviceRule deny;
        deny.origin = "linux.resources.devices (deny all, before the configured rules)";
        rules.insert(rules.begin(), deny);
    }
    const auto& defaults = default_allowed_devices();
    rules.insert(rules.end(), defaults.begin(), defaults.end());
    return rules;
}

std::string v1_device_line(const DeviceRule& rule)
{
    auto number = [](int64_t n) { return n < 0 ? std::string("*") : std::to_string(n); };
    return std::string(1, rule.type) + " " + number(rule.major) + ":" + number(rule.minor) + " " + rule.access;
}

std::vector<Write> v1_device_writes(const std::vector<DeviceRule>& rules)
{
    std::vector<Write> writes;
    for (const auto& rule : rules) {
        Write w;
        w.controller = "devices";
        w.file = rule.allow ? "devices.allow" : "devices.deny";
        w.value = v1_device_line(rule);
        w.resource = rule.origin;
        writes.push_back(std::move(w));
    }
    return writes;
}

} // namespace oci::cgroups
