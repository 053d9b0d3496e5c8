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

TEST_CASE("v1 memory: every field, with runc's files")
{
    Resources r;
    MemoryResources m;
    m.limit = 1 << 30;
    m.reservation = 512 << 20;
    m.kernel = 64 << 20;
    m.kernel_tcp = 16 << 20;
    m.swappiness = 60;
    m.disable_oom_killer = true;
    m.use_hierarchy = false;
    r.memory = m;
    Plan p = translate_v1(r);
    CHECK(summary(p) == V{
                            "memory/memory.limit_in_bytes=1073741824",
                            "memory/memory.soft_limit_in_bytes=536870912",
                            "memory/memory.kmem.limit_in_bytes=67108864",
                            "memory/memory.kmem.tcp.limit_in_bytes=16777216",
                            "memory/memory.swappiness=60",
                            "memory/memory.oom_control=1",
                            "memory/memory.use_hierarchy=0",
                        });
    CHECK(write_of(p, "memory.limit_in_bytes").resource == "linux.resources.memory.limit");
    // Only kernel memory may be missing from the kernel.
    CHECK(write_of(p, "memory.kmem.limit_in_bytes").skip_if_missing);
    CHECK(write_of(p, "memory.kmem.tcp.limit_in_bytes").skip_if_missing);
    CHECK_FALSE(write_of(p, "memory.limit_in_bytes").skip_if_missing);
    CHECK_FALSE(write_of(p, "memory.swappiness").skip_if_missing);
    CHECK(p.warnings.empty());

    r.memory = MemoryResources{};
    r.memory->disable_oom_killer = false;
    r.memory->limit = 0;   // runc: zero leaves the limit alone
    CHECK(translate_v1(r).writes.empty());
}

TEST_CASE("v1 memory: limit and memory+swap are ordered by the current limit")
{
    Resources r;
    r.memory = MemoryResources{};
    r.memory->limit = 2 << 20;
    r.memory->swap = 4 << 20;

    // Raising above the current limit: memsw first (limit <= memsw always holds).
    Plan up = translate_v1(r, V1State{1 << 20});
    CHECK(summary(up) == V{"memory/memory.memsw.limit_in_bytes=4194304", "memory/memory.limit_in_bytes=2097152"});
    // Lowering from unlimited: limit first.
    Plan down = translate_v1(r, V1State{9223372036854771712ull});
    CHECK(summary(down) == V{"memory/memory.limit_in_bytes=2097152", "memory/memory.memsw.limit_in_bytes=4194304"});
    // Unknown: limit first, retried after memsw when the kernel says EINVAL.
    Plan unknown = translate_v1(r);
    CHECK(summary(unknown) == summary(down));
    CHECK(unknown.writes[0].retry_after_next);
    CHECK_FALSE(down.writes[0].retry_after_next);

    // Swap -1 (unlimited) always goes first.
    r.memory->swap = -1;
    CHECK(summary(translate_v1(r, V1State{1})) ==
          V{"memory/memory.memsw.limit_in_bytes=-1", "memory/memory.limit_in_bytes=2097152"});

    // Unlimited memory with swap unset: swap unlimited too, where it exists.
    r.memory->limit = -1;
    r.memory->swap.reset();
    Plan both = translate_v1(r, V1State{1});
    CHECK(summary(both) == V{"memory/memory.memsw.limit_in_bytes=-1", "memory/memory.limit_in_bytes=-1"});
    CHECK(write_of(both, "memory.memsw.limit_in_bytes").skip_if_missing);

    // Swap alone.
    r.memory->limit.reset();
    r.memory->swap = 8 << 20;
    Plan swap_only = translate_v1(r);
    CHECK(summary(swap_only) == V{"memory/memory.memsw.limit_in_bytes=8388608"});
    CHECK_FALSE(swap_only.writes[0].skip_if_missing);
}

TEST_CASE("v1 memory: swappiness above 100 is refused")
{
    Resources r;
    r.memory = MemoryResources{};
    r.memory->swappiness = 101;
    CHECK(error_of([&] { translate_v1(r); }) == "linux.resources.memory.swappiness: 101 is out of range (0-100)");
}

TEST_CASE("v1 cpu and cpuset")
{
    Resources r;
    CpuResources c;
    c.shares = 512;
    c.period = 100000;
    c.burst = 20000;
    c.quota = 50000;
    c.idle = 0;
    c.realtime_period = 1000000;
    c.realtime_runtime = 950000;
    c.cpus = "0-1";
    c.mems = "0";
    r.cpu = c;
    Plan p = translate_v1(r);
    CHECK(summary(p) == V{
                            "cpuset/cpuset.cpus=0-1",
                            "cpuset/cpuset.mems=0",
                            "cpu/cpu.shares=512",
                            "cpu/cpu.cfs_period_us=100000",
                            "cpu/cpu.cfs_burst_us=20000",
                            "cpu/cpu.cfs_quota_us=50000",
                            "cpu/cpu.idle=0",
                            "cpu/cpu.rt_period_us=1000000",
                            "cpu/cpu.rt_runtime_us=950000",
                        });
    CHECK(write_of(p, "cpu.shares").read_back);
    // Period and burst wait for the quota on EINVAL; rt period for rt runtime.
    CHECK(write_of(p, "cpu.cfs_period_us").retry_after_next);
    CHECK(write_of(p, "cpu.cfs_burst_us").retry_after_next);
    CHECK(write_of(p, "cpu.cfs_burst_us").skip_if_missing);
    CHECK_FALSE(write_of(p, "cpu.cfs_quota_us").retry_after_next);
    CHECK(write_of(p, "cpu.rt_period_us").retry_after_next);

    // Without a quota to follow, nothing is deferred.
    r.cpu->quota.reset();
    r.cpu->realtime_runtime.reset();
    Plan q = translate_v1(r);
    CHECK_FALSE(write_of(q, "cpu.cfs_period_us").retry_after_next);
    CHECK_FALSE(write_of(q, "cpu.rt_period_us").retry_after_next);
    CHECK(values(q, "cpu.cfs_quota_us").empty());

    // A negative quota means unlimited and is written as such.
    r.cpu = CpuResources{};
    r.cpu->quota = -1;
    CHECK(summary(translate_v1(r)) == V{"cpu/cpu.cfs_quota_us=-1"});
}

TEST_CASE("v1 pids: max for a limit <= 0")
{
    Resources r;
    r.pids = PidsResources{100};
    CHECK(summary(translate_v1(r)) == V{"pids/pids.max=100"});
    r.pids->limit = 0;
    CHECK(values(translate_v1(r), "pids.max") == V{"max"});
    r.pids->limit = -1;
    CHECK(values(translate_v1(r), "pids.max") == V{"max"});
}

TEST_CASE("v1 blkio: weights, BFQ aliases and throttles")
{
    Resources r;
    BlockIoResources b;
    b.weight = 300;
    b.leaf_weight = 200;
    b.weight_device = {{8, 0, 500, 400}, {8, 16, std::nullopt, 100}};
    b.throttle_read_bps_device = {{8, 0, 1048576}};
    b.throttle_write_bps_device = {{8, 0, 2097152}};
    b.throttle_read_iops_device = {{8, 16, 100}};
    b.throttle_write_iops_device = {{8, 16, 200}};
    r.block_io = b;
    Plan p = translate_v1(r);
    CHECK(summary(p) == V{
                            "blkio/blkio.weight=300",
                            "blkio/blkio.leaf_weight=200",
                            "blkio/blkio.weight_device=8:0 500",
                            "blkio/blkio.leaf_weight_device=8:0 400",
                            "blkio/blkio.leaf_weight_device=8:16 100",
                            "blkio/blkio.throttle.read_bps_device=8:0 1048576",
                            "blkio/blkio.throttle.write_bps_device=8:0 2097152",
                            "blkio/blkio.throttle.read_iops_device=8:16 100",
                            "blkio/blkio.throttle.write_iops_device=8:16 200",
                        });
    CHECK(write_of(p, "blkio.weight").alias == "blkio.bfq.weight");
    CHECK(write_of(p, "blkio.weight").alias_value.empty());   // same value under BFQ
    CHECK(write_of(p, "blkio.weight_device").alias == "blkio.bfq.weight_device");
    CHECK(write_of(p, "blkio.weight_device").resource == "linux.resources.blockIO.weightDevice[0].weight");
    CHECK(write_of(p, "blkio.throttle.read_iops_device").resource ==
          "linux.resources.blockIO.throttleReadIOPSDevice[0]");
}

TEST_CASE("v1 hugetlb, net_cls, net_prio, rdma")
{
    Resources r;
    r.hugepage_limits = {{"2MB", 4194304}, {"1GB", 0}};
    NetworkResources n;
    n.class_id = 0x100001;
    n.priorities = {{"eth0", 5}, {"lo", 1}};
    r.network = n;
    r.rdma["mlx5_1"] = RdmaLimit{3, 1000};
    r.rdma["mlx4_0"] = RdmaLimit{std::nullopt, 10};
    r.rdma["none"] = RdmaLimit{};
    Plan p = translate_v1(r);
    CHECK(summary(p) == V{
                            "hugetlb/hugetlb.2MB.limit_in_bytes=4194304",
                            "hugetlb/hugetlb.2MB.rsvd.limit_in_bytes=4194304",
                            "hugetlb/hugetlb.1GB.limit_in_bytes=0",
                            "hugetlb/hugetlb.1GB.rsvd.limit_in_bytes=0",
                            "net_cls/net_cls.classid=1048577",
                            "net_prio/net_prio.ifpriomap=eth0 5",
                            "net_prio/net_prio.ifpriomap=lo 1",
                            "rdma/rdma.max=mlx4_0 hca_object=10",
                            "rdma/rdma.max=mlx5_1 hca_handle=3 hca_object=1000",
                        });
    CHECK_FALSE(write_of(p, "hugetlb.2MB.limit_in_bytes").skip_if_missing);
    CHECK(write_of(p, "hugetlb.2MB.rsvd.limit_in_bytes").skip_if_missing);
    CHECK(write_of(p, "hugetlb.2MB.limit_in_bytes").resource == "linux.resources.hugepageLimits[0]");
    CHECK(p.writes.back().resource == "linux.resources.rdma.mlx5_1");
}

TEST_CASE("v1 refuses unified with a clear error")
{
    Resources r;
    r.unified["memory.high"] = "1000000";
    CHECK(error_of([&] { translate_v1(r); }) == "linux.resources.unified: cannot be used on a cgroup v1 host");
}

TEST_CASE("v1 empty resources write nothing")
{
    Plan p = translate_v1(Resources{});
    CHECK(p.writes.empty());
    CHECK(p.warnings.empty());
}
