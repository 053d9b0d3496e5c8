#include <catch2/catch.hpp>

#include "cgroups/translate.hpp"
#include "helpers.hpp"

using namespace oci::cgroups;
using namespace oci::spec;
using cgroups_test::error_of;
using cgroups_test::summary;
using cgroups_test::values;
using cgroups_test::write_of;
using V = std::vector<std::string>;

TEST_CASE("cpu shares to cpu.weight: the quadratic conversion, table values")
{
    struct Row {
        uint64_t shares, weight;
    };
    // Same doubles as runc 1.3.2's ConvertCPUSharesToCgroupV2Value.
    const Row table[] = {
        {0, 0},        {1, 1},        {2, 1},         {3, 2},          {10, 4},
        {100, 17},     {128, 21},     {256, 35},      {512, 59},       {1024, 100},
        {2048, 174},   {4096, 303},   {10000, 627},   {100000, 4340},  {262143, 10000},
        {262144, 10000}, {500000, 10000},
    };
    for (const auto& row : table) {
        INFO("shares " << row.shares);
        CHECK(shares_to_weight(row.shares) == row.weight);
    }
    // Monotonic over the whole range.
    uint64_t last = 0;
    for (uint64_t s = 2; s <= 262144; s += 97) {
        CHECK(shares_to_weight(s) >= last);
        last = shares_to_weight(s);
    }
}

TEST_CASE("blkio weight to io.weight: 10..1000 onto 1..10000")
{
    CHECK(blkio_weight_to_io_weight(0) == 0);
    CHECK(blkio_weight_to_io_weight(10) == 1);
    CHECK(blkio_weight_to_io_weight(100) == 910);
    CHECK(blkio_weight_to_io_weight(500) == 4950);
    CHECK(blkio_weight_to_io_weight(1000) == 10000);
    CHECK(blkio_weight_to_io_weight(5) == 1);   // below the v1 range: clamped, no wrap-around
}

TEST_CASE("memory+swap to memory.swap.max")
{
    using O = std::optional<int64_t>;
    CHECK(swap_to_v2(O(2 << 20), O(1 << 20)) == "1048576");
    CHECK(swap_to_v2(O(1 << 20), O(1 << 20)) == "0");     // no swap at all
    CHECK(swap_to_v2(O(-1), O(1 << 20)) == "max");
    CHECK(swap_to_v2(O(-1), std::nullopt) == "max");
    CHECK(swap_to_v2(std::nullopt, O(1 << 20)) == std::nullopt);
    CHECK(swap_to_v2(O(0), O(1 << 20)) == std::nullopt);
    CHECK(swap_to_v2(std::nullopt, O(-1)) == "max");      // unlimited memory, swap unset
    CHECK(swap_to_v2(O(4096), O(-1)) == "4096");          // unlimited memory: all swap
    CHECK(error_of([] { swap_to_v2(O(4096), std::nullopt); }) ==
          "linux.resources.memory.swap: a swap limit needs a memory limit (linux.resources.memory.limit)");
    CHECK(error_of([] { swap_to_v2(O(4096), O(8192)); }) ==
          "linux.resources.memory.swap: the memory+swap limit 4096 is below the memory limit 8192");
    CHECK_THROWS(swap_to_v2(O(-2), O(8192)));
}

TEST_CASE("v2 memory: max, low, swap; v1-only knobs are warnings")
{
    Resources r;
    MemoryResources m;
    m.limit = 1 << 30;
    m.swap = (1 << 30) + (256 << 20);
    m.reservation = -1;
    m.kernel = 1;
    m.kernel_tcp = 1;
    m.swappiness = 10;
    m.disable_oom_killer = true;
    m.use_hierarchy = true;
    r.memory = m;
    Plan p = translate_v2(r);
    CHECK(summary(p) == V{"memory.swap.max=268435456", "memory.max=1073741824", "memory.low=max"});
    CHECK(write_of(p, "memory.max").controller.empty());
    CHECK_FALSE(write_of(p, "memory.swap.max").skip_if_missing);
    CHECK(p.warnings == V{
                            "linux.resources.memory.kernel: not supported on cgroup v2, ignored",
                            "linux.resources.memory.kernelTCP: not supported on cgroup v2, ignored",
                            "linux.resources.memory.swappiness: not supported on cgroup v2, ignored",
                            "linux.resources.memory.disableOOMKiller: not supported on cgroup v2, ignored",
                            "linux.resources.memory.useHierarchy: not supported on cgroup v2, ignored",
                        });

    r.memory = MemoryResources{};
    r.memory->limit = -1;
    Plan unlimited = translate_v2(r);
    CHECK(summary(unlimited) == V{"memory.swap.max=max", "memory.max=max"});
    CHECK(write_of(unlimited, "memory.swap.max").skip_if_missing);   // no swap accounting: nothing to lift
}

TEST_CASE("v2 cpu: idle, weight, burst, cpu.max, cpuset")
{
    Resources r;
    CpuResources c;
    c.shares = 1024;
    c.quota = 50000;
    c.period = 100000;
    c.burst = 10000;
    c.idle = 0;
    c.cpus = "0-3";
    c.mems = "0";
    r.cpu = c;
    Plan p = translate_v2(r);
    CHECK(summary(p) == V{"cpu.idle=0", "cpu.weight=100", "cpu.max.burst=10000", "cpu.max=50000 100000",
                          "cpuset.cpus=0-3", "cpuset.mems=0"});
    CHECK(write_of(p, "cpu.max.burst").retry_after_next);

    // quota <= 0 is "max"; the period stays when not given.
    r.cpu = CpuResources{};
    r.cpu->quota = -1;
    r.cpu->period = 250000;
    CHECK(values(translate_v2(r), "cpu.max") == V{"max 250000"});
    r.cpu->period.reset();
    CHECK(values(translate_v2(r), "cpu.max") == V{"max"});
    r.cpu->quota = 20000;
    CHECK(values(translate_v2(r), "cpu.max") == V{"20000"});
    r.cpu->quota.reset();
    r.cpu->period = 50000;
    CHECK(values(translate_v2(r), "cpu.max") == V{"max 50000"});
    CHECK(write_of(translate_v2(r), "cpu.max").resource == "linux.resources.cpu.period");
}

TEST_CASE("v2 cpu: realtime settings are refused")
{
    Resources r;
    r.cpu = CpuResources{};
    r.cpu->realtime_runtime = 1000;
    CHECK(error_of([&] { translate_v2(r); }) == "linux.resources.cpu.realtimeRuntime: not supported on cgroup v2");
    r.cpu->realtime_runtime.reset();
    r.cpu->realtime_period = 1000;
    CHECK_THROWS(translate_v2(r));
}

TEST_CASE("v2 pids")
{
    Resources r;
    r.pids = PidsResources{64};
    CHECK(summary(translate_v2(r)) == V{"pids.max=64"});
    r.pids->limit = 0;
    CHECK(summary(translate_v2(r)) == V{"pids.max=max"});
}

TEST_CASE("v2 io: BFQ weight with io.weight fallback, io.max lines per device")
{
    Resources r;
    BlockIoResources b;
    b.weight = 100;
    b.leaf_weight = 50;
    b.weight_device = {{8, 0, 200, 10}};
    b.throttle_read_bps_device = {{8, 0, 1048576}, {8, 16, 4096}};
    b.throttle_write_bps_device = {{8, 0, 2097152}};
    b.throttle_read_iops_device = {{8, 16, 100}};
    b.throttle_write_iops_device = {{8, 0, 300}};
    r.block_io = b;
    Plan p = translate_v2(r);
    CHECK(summary(p) == V{
                            "io.bfq.weight=100",
                            "io.bfq.weight=8:0 200",
                            "io.max=8:0 rbps=1048576 wbps=2097152 wiops=300",
                            "io.max=8:16 rbps=4096 riops=100",
                        });
    const Write& w = p.writes[0];
    CHECK(w.alias == "io.weight");
    CHECK(w.alias_value == "910");
    CHECK(p.warnings == V{"linux.resources.blockIO.leafWeight: not supported on cgroup v2, ignored",
                          "linux.resources.blockIO.weightDevice[0].leafWeight: not supported on cgroup v2, ignored"});
}

TEST_CASE("v2 hugetlb, rdma, network")
{
    Resources r;
    r.hugepage_limits = {{"2MB", 8388608}};
    r.rdma["mlx5_1"] = RdmaLimit{3, std::nullopt};
    r.network = NetworkResources{};
    r.network->class_id = 1;
    Plan p = translate_v2(r);
    CHECK(summary(p) == V{"hugetlb.2MB.max=8388608", "hugetlb.2MB.rsvd.max=8388608", "rdma.max=mlx5_1 hca_handle=3"});
    CHECK(write_of(p, "hugetlb.2MB.rsvd.max").skip_if_missing);
    CHECK(p.warnings == V{"linux.resources.network: not supported on cgroup v2, ignored"});
}

TEST_CASE("v2 unified: written last, line by line; bad keys refused")
{
    Resources r;
    r.pids = PidsResources{10};
    r.unified["pids.max"] = "20";
    r.unified["io.max"] = "8:0 rbps=1\n8:16 wbps=2\n";
    r.unified["memory.high"] = "";   // empty: nothing to write
    Plan p = translate_v2(r);
    CHECK(summary(p) == V{"pids.max=10", "io.max=8:0 rbps=1", "io.max=8:16 wbps=2", "pids.max=20"});
    CHECK(p.writes[1].resource == "linux.resources.unified[\"io.max\"]");

    for (const char* bad : {"../memory.max", "a/b", "memory..max", ".."}) {
        Resources b;
        b.unified[bad] = "1";
        INFO(bad);
        CHECK_THAT(error_of([&] { translate_v2(b); }),
                   Catch::EndsWith(": the key must be a file name in the container's cgroup"));
    }
    Resources nodot;
    nodot.unified["max"] = "1";
    CHECK(error_of([&] { translate_v2(nodot); }) ==
          "linux.resources.unified.max: the key must have the form <controller>.<file>");
}

TEST_CASE("limits_requested: device rules alone are no limits; any controller setting is")
{
    Resources r;
    CHECK_FALSE(limits_requested(r));
    DeviceCgroupRule deny_all;
    deny_all.allow = false;
    deny_all.access = "rwm";
    r.devices = {deny_all};
    CHECK_FALSE(limits_requested(r));
    r.memory = MemoryResources{};
    CHECK_FALSE(limits_requested(r));   // an empty object sets nothing
    r.memory->limit = 64 << 20;
    CHECK(limits_requested(r));

    Resources pids;
    pids.pids = PidsResources{10};
    CHECK(limits_requested(pids));

    Resources v1_only;   // net_cls: written on v1 only, still a limit asked for
    v1_only.network = NetworkResources{};
    v1_only.network->class_id = 0x100001;
    CHECK(limits_requested(v1_only));

    Resources unified;   // v2 only; v1 cannot express it (translate_v1 throws)
    unified.unified["pids.max"] = "5";
    CHECK(limits_requested(unified));
}
