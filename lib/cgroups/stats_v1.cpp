// Stats from cgroup v1 files, as runc's fs driver gathers them.
#include "cgroups/cgroup_fs.hpp"
#include "cgroups/stats.hpp"

#include <unistd.h>

namespace oci::cgroups {

namespace {

uint64_t counter(const StatsFileReader& read, const char* controller, const std::string& file)
{
    auto text = read(controller, file);
    return text ? parse_counter(*text) : 0;
}

MemoryEntry memory_entry(const StatsFileReader& read, const std::string& prefix)
{
    MemoryEntry e;
    e.limit = counter(read, "memory", prefix + ".limit_in_bytes");
    e.usage = counter(read, "memory", prefix + ".usage_in_bytes");
    e.max = counter(read, "memory", prefix + ".max_usage_in_bytes");
    e.failcnt = counter(read, "memory", prefix + ".failcnt");
    return e;
}

} // namespace

Stats read_stats_v1(const StatsFileReader& read, const std::vector<std::string>& hugepage_sizes)
{
    Stats s;

    s.cpu.total = counter(read, "cpuacct", "cpuacct.usage");
    if (auto t = read("cpuacct", "cpuacct.usage_percpu"))
        s.cpu.percpu = parse_numbers(*t);
    if (auto t = read("cpuacct", "cpuacct.usage_percpu_sys"))
        s.cpu.percpu_kernel = parse_numbers(*t);
    if (auto t = read("cpuacct", "cpuacct.usage_percpu_user"))
        s.cpu.percpu_user = parse_numbers(*t);
    if (auto t = read("cpuacct", "cpuacct.stat")) {
        // USER_HZ ticks.
        auto kv = parse_keyed(*t);
        uint64_t hz = static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
        if (hz == 0)
            hz = 100;
        s.cpu.user = parse_counter(kv["user"]) * 1000000000 / hz;
        s.cpu.kernel = parse_counter(kv["system"]) * 1000000000 / hz;
    }
    if (auto t = read("cpu", "cpu.stat")) {
        auto kv = parse_keyed(*t);
        s.cpu.periods = parse_counter(kv["nr_periods"]);
        s.cpu.throttled_periods = parse_counter(kv["nr_throttled"]);
        s.cpu.throttled_time = parse_counter(kv["throttled_time"]);
    }

    if (auto t = read("cpuset", "cpuset.cpus"))
        s.cpuset.cpus = parse_cpu_list(*t);
    if (auto t = read("cpuset", "cpuset.mems"))
        s.cpuset.mems = parse_cpu_list(*t);
    for (const char* flag : {"cpu_exclusive", "mem_hardwall", "mem_exclusive", "memory_migrate", "memory_spread_page",
                             "memory_spread_slab", "memory_pressure", "sched_load_balance",
                             "sched_relax_domain_level"})
        if (auto t = read("cpuset", std::string("cpuset.") + flag)) {
            try {
                s.cpuset.flags[flag] = std::stoll(last_line(*t));
            } catch (const std::exception&) {
            }
        }

    if (auto t = read("memory", "memory.stat"))
        for (const auto& [k, v] : parse_keyed(*t))
            s.memory.raw[k] = parse_counter(v);
    s.memory.cache = s.memory.raw.count("cache") ? s.memory.raw["cache"] : 0;
    s.memory.usage = memory_entry(read, "memory");
    s.memory.swap = memory_entry(read, "memory.memsw");
    s.memory.kernel = memory_entry(read, "memory.kmem");
    s.memory.kernel_tcp = memory_entry(read, "memory.kmem.tcp");

    s.pids.current = counter(read, "pids", "pids.current");
    s.pids.limit = counter(read, "pids", "pids.max");   // "max" reads as 0: unlimited

    // The CFQ/BFQ files count only with those schedulers; the throttle ones always.
    for (auto [list, name] : {std::pair{&s.blkio.service_bytes, "io_service_bytes"},
                              std::pair{&s.blkio.serviced, "io_serviced"}}) {
        for (const std::string& file : {std::string("blkio.") + name + "_recursive",
                                        std::string("blkio.throttle.") + name + "_recursive",
                                        std::string("blkio.throttle.") + name}) {
            if (auto t = read("blkio", file))
                *list = parse_blkio_v1(*t);
            if (!list->empty())
                break;
        }
    }

    for (const auto& size : hugepage_sizes) {
        std::string prefix = "hugetlb." + size;
        if (!read("hugetlb", prefix + ".usage_in_bytes"))
            continue;
        HugetlbStats h;
        h.usage = counter(read, "hugetlb", prefix + ".usage_in_bytes");
        h.max = counter(read, "hugetlb", prefix + ".max_usage_in_bytes");
        h.failcnt = counter(read, "hugetlb", prefix + ".failcnt");
        s.hugetlb[size] = h;
    }
    return s;
}

} // namespace oci::cgroups
