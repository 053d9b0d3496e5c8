// Container resource statistics as `runc events --stats` reports them (the
// "data" object of runc's types.Stats): read from the cgroup files of either
// version into one model, then written with runc's JSON field names and its
// omitempty rules.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace oci::cgroups {

struct MemoryEntry {
    uint64_t limit = 0, usage = 0, max = 0, failcnt = 0;
    bool operator==(const MemoryEntry&) const = default;
};

struct BlkioEntry {
    uint64_t major = 0, minor = 0;
    std::string op;       // "Read", "Write", "Sync", "Async", "Discard", "Total"
    uint64_t value = 0;
    bool operator==(const BlkioEntry&) const = default;
};

struct HugetlbStats {
    uint64_t usage = 0, max = 0, failcnt = 0;
    bool operator==(const HugetlbStats&) const = default;
};

struct Stats {
    struct Cpu {
        uint64_t total = 0, kernel = 0, user = 0;   // nanoseconds
        std::vector<uint64_t> percpu, percpu_kernel, percpu_user;
        uint64_t periods = 0, throttled_periods = 0, throttled_time = 0;
    } cpu;
    struct CpuSet {
        std::vector<uint16_t> cpus, mems;
        std::map<std::string, int64_t> flags;       // "cpu_exclusive", ...: v1 only
    } cpuset;
    struct Memory {
        uint64_t cache = 0;
        MemoryEntry usage, swap, kernel, kernel_tcp;
        std::map<std::string, uint64_t> raw;        // memory.stat
    } memory;
    struct Pids {
        uint64_t current = 0, limit = 0;            // limit 0: unlimited
    } pids;
    struct Blkio {
        std::vector<BlkioEntry> service_bytes, serviced;
    } blkio;
    std::map<std::string, HugetlbStats> hugetlb;    // "2MB" -> ...
};

// The "data" object, compact.
std::string to_json(const Stats& stats);

// Reads a file of the container's cgroup: v1 controller ("" on cgroup2) and
// file name; nullopt when the file or hierarchy does not exist.
using StatsFileReader = std::function<std::optional<std::string>(const std::string& controller, const std::string& file)>;

Stats read_stats_v1(const StatsFileReader& read, const std::vector<std::string>& hugepage_sizes);
Stats read_stats_v2(const StatsFileReader& read, const std::vector<std::string>& hugepage_sizes);

// Hugepage sizes as the hugetlb files name them ("2MB", "1GB"), from
// /sys/kernel/mm/hugepages; empty when the kernel has none.
std::vector<std::string> hugepage_sizes(const std::string& sysfs_dir = "/sys/kernel/mm/hugepages");

// Parsers, exposed for tests.
std::vector<uint16_t> parse_cpu_list(const std::string& text);           // "0-3,8" -> 0 1 2 3 8
std::vector<uint64_t> parse_numbers(const std::string& text);            // "1 2 3"
std::vector<BlkioEntry> parse_blkio_v1(const std::string& text);         // "8:0 Read 4096" lines
void parse_io_stat(const std::string& text, std::vector<BlkioEntry>* bytes, std::vector<BlkioEntry>* ios);

} // namespace oci::cgroups
