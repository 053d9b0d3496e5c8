// Stats from cgroup2 files, mapped onto runc's v1-shaped model as runc's fs2
// driver maps them (microseconds to nanoseconds, swap reported as memory+swap).
#include "cgroups/cgroup_fs.hpp"
#include "cgroups/stats.hpp"

#include <limits>

namespace oci::cgroups {

namespace {

constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();

std::map<std::string, std::string> keyed(const StatsFileReader& read, const std::string& file)
{
    auto t = read("", file);
    return t ? parse_keyed(*t) : std::map<std::string, std::string>{};
}

uint64_t counter(const StatsFileReader& read, const std::string& file, uint64_t max_value = 0)
{
    auto t = read("", file);
    return t ? parse_counter(*t, max_value) : 0;
}

} // namespace

Stats read_stats_v2(const StatsFileReader& read, const std::vector<std::string>& hugepage_sizes)
{
    Stats s;

    auto cpu = keyed(read, "cpu.stat");
    s.cpu.total = parse_counter(cpu["usage_usec"]) * 1000;
    s.cpu.user = parse_counter(cpu["user_usec"]) * 1000;
    s.cpu.kernel = parse_counter(cpu["system_usec"]) * 1000;
    s.cpu.periods = parse_counter(cpu["nr_periods"]);
    s.cpu.throttled_periods = parse_counter(cpu["nr_throttled"]);
    s.cpu.throttled_time = parse_counter(cpu["throttled_usec"]) * 1000;

    if (auto t = read("", "cpuset.cpus.effective"))
        s.cpuset.cpus = parse_cpu_list(*t);
    if (auto t = read("", "cpuset.mems.effective"))
        s.cpuset.mems = parse_cpu_list(*t);

    for (const auto& [k, v] : keyed(read, "memory.stat"))
        s.memory.raw[k] = parse_counter(v);
    s.memory.cache = s.memory.raw.count("file") ? s.memory.raw["file"] : 0;
    s.memory.usage.usage = counter(read, "memory.current");
    s.memory.usage.limit = counter(read, "memory.max", kUnlimited);
    s.memory.usage.max = counter(read, "memory.peak");
    s.memory.usage.failcnt = parse_counter(keyed(read, "memory.events")["max"]);
    if (read("", "memory.swap.current")) {
        // v1 reported memory+swap; runc keeps that meaning on v2.
        s.memory.swap.usage = counter(read, "memory.swap.current") + s.memory.usage.usage;
        s.memory.swap.limit = counter(read, "memory.swap.max", kUnlimited);
        if (s.memory.swap.limit != kUnlimited && s.memory.usage.limit != kUnlimited)
            s.memory.swap.limit += s.memory.usage.limit;
        else
            s.memory.swap.limit = kUnlimited;
        s.memory.swap.max = counter(read, "memory.swap.peak");
        s.memory.swap.failcnt = parse_counter(keyed(read, "memory.swap.events")["max"]);
    }

    s.pids.current = counter(read, "pids.current");
    s.pids.limit = counter(read, "pids.max");   // "max" reads as 0: unlimited

    if (auto t = read("", "io.stat"))
        parse_io_stat(*t, &s.blkio.service_bytes, &s.blkio.serviced);

    for (const auto& size : hugepage_sizes) {
        std::string prefix = "hugetlb." + size;
        if (!read("", prefix + ".current"))
            continue;
        HugetlbStats h;
        h.usage = counter(read, prefix + ".current");
        // cgroup2 keeps no peak for hugetlb: max stays 0 (left out of the JSON).
        h.failcnt = parse_counter(keyed(read, prefix + ".events")["max"]);
        s.hugetlb[size] = h;
    }
    return s;
}

} // namespace oci::cgroups
