// Unit properties for a container's transient unit, after runc's
// libcontainer/cgroups/systemd (startUnit, genV1/genV2ResourcesProperties).
#include "cgroups/systemd_properties.hpp"

#include "cgroups/translate.hpp"

#include <oci/error.hpp>

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace oci::cgroups {

namespace {

// systemd's default CFS period (CGROUP_CPU_QUOTA_DEFAULT_PERIOD_USEC).
constexpr uint64_t kDefaultCpuPeriod = 100000;
// The longest cpuset list we expand: CPUs/nodes above this are a typo.
constexpr unsigned long kMaxCpusetIndex = 1u << 16;

void add_cpu_quota(std::vector<SystemdProperty>& out, const spec::CpuResources& c, const SystemdHost& host)
{
    int64_t quota = c.quota.value_or(0);
    uint64_t period = c.period.value_or(0);
    // CPUQuotaPeriodUSec exists since systemd 242; older ones leave the
    // period to the cgroup file write.
    if (period != 0 && (host.version == 0 || host.version >= 242))
        out.push_back({"CPUQuotaPeriodUSec", period});
    if (quota != 0 || period != 0)
        out.push_back({"CPUQuotaPerSecUSec", cpu_quota_per_sec_usec(quota, period)});
}

uint64_t as_limit(int64_t v)
{
    return v < 0 ? kSystemdInfinity : static_cast<uint64_t>(v);
}

// An exception to the default of the device emulation: allowed devices when
// the default is deny, denied ones when it is allow.
struct DeviceException {
    char type;
    int64_t major;
    int64_t minor;
    std::string access;
};

bool covers(const DeviceRule& rule, const DeviceException& e)
{
    return rule.type == e.type && (rule.major < 0 || rule.major == e.major) &&
           (rule.minor < 0 || rule.minor == e.minor);
}

std::string without(const std::string& access, const std::string& removed)
{
    std::string out;
    for (char c : access)
        if (removed.find(c) == std::string::npos)
            out += c;
    return out;
}

std::string device_path(const DeviceException& e, const DeviceGroupLookup& group)
{
    std::string kind = e.type == 'b' ? "block" : "char";
    if (e.major >= 0 && e.minor >= 0)
        return "/dev/" + kind + "/" + std::to_string(e.major) + ":" + std::to_string(e.minor);
    if (e.major >= 0 && group)
        if (std::string name = group(e.type, e.major); !name.empty())
            return kind + "-" + name;
    // Every device of the kind: wider than the rule, never narrower.
    return kind + "-*";
}

} // namespace

DeviceProperties device_properties(const std::vector<DeviceRule>& rules, const DeviceGroupLookup& group)
{
    // runc's device emulator, reduced to what systemd can be told.
    bool default_allow = false;
    std::vector<DeviceException> exceptions;
    for (const auto& rule : rules) {
        if (rule.type == 'a') {
            default_allow = rule.allow;
            exceptions.clear();
            continue;
        }
        if (rule.allow == default_allow) {
            for (auto& e : exceptions)
                if (covers(rule, e))
                    e.access = without(e.access, rule.access);
            exceptions.erase(std::remove_if(exceptions.begin(), exceptions.end(),
                                            [](const DeviceException& e) { return e.access.empty(); }),
                             exceptions.end());
            continue;
        }
        auto same = std::find_if(exceptions.begin(), exceptions.end(), [&](const DeviceException& e) {
            return e.type == rule.type && e.major == rule.major && e.minor == rule.minor;
        });
        if (same == exceptions.end()) {
            exceptions.push_back({rule.type, rule.major, rule.minor, ""});
            same = exceptions.end() - 1;
        }
        for (char c : std::string("rwm"))
            if (rule.access.find(c) != std::string::npos && same->access.find(c) == std::string::npos)
                same->access += c;
    }
    DeviceProperties out;
    if (default_allow) {
        if (exceptions.empty()) {
            out.properties.push_back({"DevicePolicy", std::string("auto")});
            out.properties.push_back({"DeviceAllow", DeviceAllowList{}});
        } else {
            out.warnings.push_back("linux.resources.devices: systemd cannot express deny rules after allowing all "
                                   "devices; the device policy is left to the cgroup");
        }
        return out;
    }
    DeviceAllowList allow;
    for (const auto& e : exceptions)
        allow.emplace_back(device_path(e, group), e.access);
    out.properties.push_back({"DevicePolicy", std::string("strict")});
    // An empty list first: DeviceAllow= adds to what the unit has.
    out.properties.push_back({"DeviceAllow", DeviceAllowList{}});
    out.properties.push_back({"DeviceAllow", allow});
    return out;
}

std::string device_group(const std::string& proc_devices, char type, int64_t major)
{
    std::istringstream in(proc_devices);
    std::string line;
    char section = 0;
    while (std::getline(in, line)) {
        if (line.rfind("Character devices:", 0) == 0) {
            section = 'c';
            continue;
        }
        if (line.rfind("Block devices:", 0) == 0) {
            section = 'b';
            continue;
        }
        if (section != type)
            continue;
        std::istringstream fields(line);
        int64_t m = -1;
        std::string name;
        if (fields >> m >> name && m == major)
            return name;
    }
    return "";
}

spec::Resources complete_cpu_quota(spec::Resources r, bool unified, const CgroupFileReader& read)
{
    if (!r.cpu || r.cpu->quota.has_value() == r.cpu->period.has_value())
        return r;
    auto number = [](const std::string& text) -> std::optional<int64_t> {
        if (text == "max")
            return -1;
        char* end = nullptr;
        long long v = std::strtoll(text.c_str(), &end, 10);
        if (text.empty() || (*end != '\0' && *end != '\n'))
            return std::nullopt;
        return v;
    };
    std::optional<int64_t> quota, period;
    if (unified) {
        if (auto text = read("cpu.max")) {
            std::istringstream in(*text);
            std::string q, p;
            in >> q >> p;
            quota = number(q);
            period = number(p);
        }
    } else {
        if (auto text = read("cpu.cfs_quota_us"))
            quota = number(text->substr(0, text->find('\n')));
        if (auto text = read("cpu.cfs_period_us"))
            period = number(text->substr(0, text->find('\n')));
    }
    if (!r.cpu->quota && quota)
        r.cpu->quota = *quota;
    if (!r.cpu->period && period && *period > 0)
        r.cpu->period = static_cast<uint64_t>(*period);
    return r;
}

uint64_t cpu_quota_per_sec_usec(int64_t quota, uint64_t period)
{
    if (quota <= 0)
        return kSystemdInfinity;
    if (period == 0)
        period = kDefaultCpuPeriod;
    uint64_t per_sec = static_cast<uint64_t>(quota) * 1000000 / period;
    if (per_sec % 10000 != 0)
        per_sec = (per_sec / 10000 + 1) * 10000;
    return per_sec;
}

std::vector<uint8_t> cpuset_to_bits(const std::string& list)
{
    std::vector<uint8_t> bits;
    auto bad = [&] { return Error("invalid cpuset list \"" + list + "\""); };
    auto number = [&](const std::string& s) {
        if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
            throw bad();
        unsigned long n = std::strtoul(s.c_str(), nullptr, 10);
        if (n > kMaxCpusetIndex)
            throw bad();
        return n;
    };
    std::string::size_type start = 0;
    while (start <= list.size()) {
        auto end = list.find(',', start);
        if (end == std::string::npos)
            end = list.size();
        std::string item = list.substr(start, end - start);
        while (!item.empty() && item.front() == ' ')
            item.erase(item.begin());
        while (!item.empty() && (item.back() == ' ' || item.back() == '\n'))
            item.pop_back();
        start = end + 1;
        if (item.empty()) {
            if (end == list.size() && !bits.empty())
                break;   // a trailing comma or newline
            throw bad();
        }
        auto dash = item.find('-');
        unsigned long first = number(item.substr(0, dash));
        unsigned long last = dash == std::string::npos ? first : number(item.substr(dash + 1));
        if (last < first)
            throw bad();
        if (bits.size() < last / 8 + 1)
            bits.resize(last / 8 + 1, 0);
        for (unsigned long i = first; i <= last; ++i)
            bits[i / 8] = static_cast<uint8_t>(bits[i / 8] | (1u << (i % 8)));
    }
    return bits;
}

std::vector<SystemdProperty> unit_properties(const SystemdUnit& unit, pid_t pid, const std::string& description,
                                             const SystemdHost& host)
{
    std::vector<SystemdProperty> out;
    out.push_back({"Description", description});
    if (unit.is_slice()) {
        // A slice's parent follows from its name; Wants= pulls it in.
        out.push_back({"Wants", std::vector<std::string>{unit.slice}});
    } else {
        out.push_back({"Slice", unit.slice});
        out.push_back({"Delegate", true});
        out.push_back({"PIDs", std::vector<uint32_t>{static_cast<uint32_t>(pid)}});
    }
    out.push_back({"MemoryAccounting", true});
    out.push_back({"CPUAccounting", true});
    out.push_back({host.unified ? "IOAccounting" : "BlockIOAccounting", true});
    out.push_back({"TasksAccounting", true});
    // No implicit ordering against shutdown.target and friends: the unit is
    // the container's, started and stopped by the runtime.
    out.push_back({"DefaultDependencies", false});
    return out;
}

std::vector<SystemdProperty> resource_properties(const spec::Resources& r, const SystemdHost& host)
{
    std::vector<SystemdProperty> out;
    if (r.memory) {
        const auto& m = *r.memory;
        if (host.unified) {
            if (m.limit && *m.limit != 0)
                out.push_back({"MemoryMax", as_limit(*m.limit)});
            if (m.reservation && *m.reservation != 0)
                out.push_back({"MemoryLow", as_limit(*m.reservation)});
            if (auto swap = swap_to_v2(m.swap, m.limit))
                out.push_back({"MemorySwapMax", *swap == "max" ? kSystemdInfinity : std::stoull(*swap)});
        } else if (m.limit && *m.limit != 0) {
            out.push_back({"MemoryLimit", as_limit(*m.limit)});
        }
    }
    if (r.cpu) {
        const auto& c = *r.cpu;
        if (c.shares && *c.shares != 0) {
            if (host.unified)
                out.push_back({"CPUWeight", shares_to_weight(*c.shares)});
            else
                out.push_back({"CPUShares", *c.shares});
        }
        add_cpu_quota(out, c, host);
        // AllowedCPUs= is a cgroup2 cpuset setting of systemd >= 244.
        if (host.unified && (host.version == 0 || host.version >= 244)) {
            if (!c.cpus.empty())
                out.push_back({"AllowedCPUs", cpuset_to_bits(c.cpus)});
            if (!c.mems.empty())
                out.push_back({"AllowedMemoryNodes", cpuset_to_bits(c.mems)});
        }
    }
    if (r.pids && (r.pids->limit > 0 || r.pids->limit == -1))
        out.push_back({"TasksMax", as_limit(r.pids->limit)});
    if (!host.unified && r.block_io && r.block_io->weight && *r.block_io->weight != 0)
        out.push_back({"BlockIOWeight", static_cast<uint64_t>(*r.block_io->weight)});
    return out;
}

} // namespace oci::cgroups
