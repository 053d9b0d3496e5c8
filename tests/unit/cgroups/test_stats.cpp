#include <catch2/catch.hpp>

#include "cgroups/stats.hpp"
#include "helpers.hpp"

#include <map>

using namespace oci::cgroups;
using cgroups_test::FakeTree;

namespace {

StatsFileReader reader(const std::map<std::string, std::string>& files)
{
    return [files](const std::string& controller, const std::string& file) -> std::optional<std::string> {
        auto it = files.find(controller.empty() ? file : controller + "/" + file);
        if (it == files.end())
            return std::nullopt;
        return it->second;
    };
}

} // namespace

TEST_CASE("stats parsers")
{
    CHECK(parse_cpu_list("0-3,8,10-11\n") == std::vector<uint16_t>{0, 1, 2, 3, 8, 10, 11});
    CHECK(parse_cpu_list("").empty());
    CHECK(parse_numbers("1 22 333 \n") == std::vector<uint64_t>{1, 22, 333});
    auto blkio = parse_blkio_v1("8:0 Read 4096\n8:0 Write 512\n8:0 Total 4608\nTotal 4608\n");
    REQUIRE(blkio.size() == 3);
    CHECK(blkio[0] == BlkioEntry{8, 0, "Read", 4096});
    CHECK(blkio[2].op == "Total");
    std::vector<BlkioEntry> bytes, ios;
    parse_io_stat("8:16 rbytes=100 wbytes=200 rios=3 wios=4 dbytes=0 dios=0\n", &bytes, &ios);
    CHECK(bytes == std::vector<BlkioEntry>{{8, 16, "Read", 100}, {8, 16, "Write", 200}});
    CHECK(ios == std::vector<BlkioEntry>{{8, 16, "Read", 3}, {8, 16, "Write", 4}});
}

TEST_CASE("stats: runc's JSON shape and omitempty")
{
    Stats s;
    s.cpu.total = 5;
    s.cpu.percpu = {2, 3};
    s.pids.current = 1;
    s.memory.usage.limit = 100;
    s.memory.raw["cache"] = 7;
    s.memory.cache = 7;
    s.blkio.service_bytes = {{8, 0, "Read", 4096}};
    s.hugetlb["2MB"] = HugetlbStats{0, 0, 0};
    CHECK(to_json(s) ==
          R"({"cpu":{"usage":{"total":5,"percpu":[2,3],"kernel":0,"user":0},"throttling":{}},)"
          R"("cpuset":{"cpu_exclusive":0,"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,)"
          R"("memory_spread_page":0,"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,)"
          R"("sched_relax_domain_level":0},)"
          R"("memory":{"cache":7,"usage":{"limit":100,"failcnt":0},"swap":{"limit":0,"failcnt":0},)"
          R"("kernel":{"limit":0,"failcnt":0},"kernelTCP":{"limit":0,"failcnt":0},"raw":{"cache":7}},)"
          R"("pids":{"current":1},"blkio":{"ioServiceBytesRecursive":[{"major":8,"op":"Read","value":4096}]},)"
          R"("hugetlb":{"2MB":{"failcnt":0}},"intel_rdt":{}})");
}

TEST_CASE("stats from v1 files")
{
    Stats s = read_stats_v1(reader({
                                {"cpuacct/cpuacct.usage", "1000\n"},
                                {"cpuacct/cpuacct.usage_percpu", "600 400 \n"},
                                {"cpuacct/cpuacct.stat", "user 2\nsystem 1\n"},
                                {"cpu/cpu.stat", "nr_periods 10\nnr_throttled 2\nthrottled_time 300\n"},
                                {"cpuset/cpuset.cpus", "0-1\n"},
                                {"cpuset/cpuset.sched_load_balance", "1\n"},
                                {"memory/memory.stat", "cache 4096\nrss 8192\n"},
                                {"memory/memory.usage_in_bytes", "12288\n"},
                                {"memory/memory.limit_in_bytes", "9223372036854771712\n"},
                                {"memory/memory.failcnt", "3\n"},
                                {"memory/memory.memsw.usage_in_bytes", "12288\n"},
                                {"pids/pids.current", "2\n"},
                                {"pids/pids.max", "max\n"},
                                {"blkio/blkio.io_service_bytes_recursive", "Total 0\n"},
                                {"blkio/blkio.throttle.io_service_bytes_recursive", "8:0 Read 1\n"},
                                {"hugetlb/hugetlb.2MB.usage_in_bytes", "2097152\n"},
                                {"hugetlb/hugetlb.2MB.failcnt", "1\n"},
                            }),
                            {"2MB", "1GB"});
    CHECK(s.cpu.total == 1000);
    CHECK(s.cpu.percpu == std::vector<uint64_t>{600, 400});
    uint64_t hz = static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
    CHECK(s.cpu.user == 2 * 1000000000ull / hz);
    CHECK(s.cpu.kernel == 1000000000ull / hz);
    CHECK(s.cpu.throttled_periods == 2);
    CHECK(s.cpuset.cpus == std::vector<uint16_t>{0, 1});
    CHECK(s.cpuset.flags.at("sched_load_balance") == 1);
    CHECK(s.memory.cache == 4096);
    CHECK(s.memory.raw.at("rss") == 8192);
    CHECK(s.memory.usage == MemoryEntry{9223372036854771712ull, 12288, 0, 3});
    CHECK(s.memory.swap.usage == 12288);
    CHECK(s.pids.current == 2);
    CHECK(s.pids.limit == 0);
    CHECK(s.blkio.service_bytes == std::vector<BlkioEntry>{{8, 0, "Read", 1}});   // CFQ file empty: throttle
    REQUIRE(s.hugetlb.size() == 1);
    CHECK(s.hugetlb.at("2MB").usage == 2097152);
    CHECK(s.hugetlb.at("2MB").failcnt == 1);
}

TEST_CASE("stats from cgroup2 files")
{
    Stats s = read_stats_v2(reader({
                                {"cpu.stat", "usage_usec 7\nuser_usec 5\nsystem_usec 2\nnr_periods 1\n"
                                             "nr_throttled 1\nthrottled_usec 3\n"},
                                {"cpuset.cpus.effective", "0\n"},
                                {"memory.stat", "file 100\nanon 200\n"},
                                {"memory.current", "300\n"},
                                {"memory.max", "1000\n"},
                                {"memory.events", "low 0\nhigh 0\nmax 4\noom 0\noom_kill 0\n"},
                                {"memory.swap.current", "50\n"},
                                {"memory.swap.max", "max\n"},
                                {"pids.current", "3\n"},
                                {"pids.max", "100\n"},
                                {"io.stat", "8:0 rbytes=10 wbytes=20 rios=1 wios=2\n"},
                                {"hugetlb.2MB.current", "0\n"},
                                {"hugetlb.2MB.events", "max 5\n"},
                            }),
                            {"2MB"});
    CHECK(s.cpu.total == 7000);
    CHECK(s.cpu.user == 5000);
    CHECK(s.cpu.kernel == 2000);
    CHECK(s.cpu.throttled_time == 3000);
    CHECK(s.cpuset.cpus == std::vector<uint16_t>{0});
    CHECK(s.memory.cache == 100);
    CHECK(s.memory.usage.usage == 300);
    CHECK(s.memory.usage.limit == 1000);
    CHECK(s.memory.usage.failcnt == 4);
    CHECK(s.memory.swap.usage == 350);   // memory+swap, as v1 had it
    CHECK(s.memory.swap.limit == UINT64_MAX);
    CHECK(s.pids.limit == 100);
    CHECK(s.blkio.service_bytes.size() == 2);
    CHECK(s.blkio.serviced == std::vector<BlkioEntry>{{8, 0, "Read", 1}, {8, 0, "Write", 2}});
    CHECK(s.hugetlb.at("2MB").failcnt == 5);
}

TEST_CASE("hugepage sizes from sysfs names")
{
    FakeTree t;
    t.dir("hugepages-2048kB");
    t.dir("hugepages-1048576kB");
    t.dir("hugepages-64kB");
    t.dir("other");
    CHECK(hugepage_sizes(t.root()) == std::vector<std::string>{"64KB", "2MB", "1GB"});
    CHECK(hugepage_sizes(t.path("none")).empty());
}
