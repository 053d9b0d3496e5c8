// The drivers on a test tree of plain files: what they create, write, read.
#include <catch2/catch.hpp>

#include "cgroups/driver.hpp"
#include "helpers.hpp"

#include <csignal>

using namespace oci::cgroups;
using namespace oci::spec;
using cgroups_test::error_of;
using cgroups_test::FakeTree;

namespace {

Layout v1_layout(bool with_pids = true)
{
    Layout l;
    l.mode = Mode::legacy;
    for (const char* c : {"freezer", "memory", "cpu", "cpuacct", "cpuset", "devices", "blkio"})
        l.v1.push_back({c, "/", {c}, false});
    if (with_pids)
        l.v1.push_back({"pids", "/", {"pids"}, false});
    return l;
}

Layout v2_layout()
{
    Layout l;
    l.mode = Mode::unified;
    l.unified = Hierarchy{"", "/", {}, true};
    return l;
}

DriverOptions options_for(const FakeTree& t)
{
    DriverOptions o;
    o.root = t.root();
    o.freeze_timeout_ms = 50;
    o.hugepages_sysfs = t.path("no-hugepages");
    return o;
}

void make_hierarchies(const FakeTree& t, const Layout& l)
{
    for (const auto& h : l.v1)
        t.dir(h.dir);
}

} // namespace

TEST_CASE("v1 driver: create and destroy every hierarchy's directory")
{
    FakeTree t;
    Layout l = v1_layout();
    make_hierarchies(t, l);
    auto d = make_driver(l, place(l, "/box/c1", "c1", ""), options_for(t));
    CHECK(d->mode() == Mode::legacy);
    CHECK(d->placement().at("memory") == "/box/c1");
    CHECK(d->dir_fd_for_clone() == -1);
    d->create();
    for (const auto& h : l.v1)
        t.files(h.dir + "/box/c1", {"tasks"});
    auto tasks = d->open_tasks_files();
    REQUIRE(tasks.size() == l.v1.size());
    for (size_t i = 0; i < tasks.size(); ++i)
        CHECK(tasks[i].path == t.path(l.v1[i].dir + "/box/c1/tasks"));
    join_tasks_files(tasks);   // "0" is the writer itself: the kernel resolves it, a test tree keeps it
    for (const auto& h : l.v1)
        CHECK(t.read(h.dir + "/box/c1/tasks") == "0");
    for (const auto& f : tasks) {
        CHECK_FALSE(f.fd);
        ::unlink(f.path.c_str());   // cgroupfs has no such file to remove
    }
    for (const auto& h : l.v1)
        CHECK(t.exists(h.dir + "/box/c1"));
    d->destroy();
    for (const auto& h : l.v1) {
        CHECK_FALSE(t.exists(h.dir + "/box/c1"));
        CHECK(t.exists(h.dir + "/box"));   // parents stay, as with runc
    }
    CHECK_NOTHROW(d->destroy());   // gone already
}

TEST_CASE("v1 driver: a failed create removes what it made")
{
    FakeTree t;
    Layout l = v1_layout();
    make_hierarchies(t, v1_layout(false));   // the pids hierarchy is missing
    auto d = make_driver(l, place(l, "/box/c1", "c1", ""), options_for(t));
    CHECK_THAT(error_of([&] { d->create(); }), Catch::StartsWith("create cgroup " + t.path("pids/box")));
    CHECK_FALSE(t.exists("memory/box"));
    CHECK_FALSE(t.exists("freezer/box"));
}

TEST_CASE("v1 driver: an existing cgroup with processes is not joined")
{
    FakeTree t;
    Layout l = v1_layout();
    make_hierarchies(t, l);
    t.files("freezer/c1", {"cgroup.procs"}, "77\n");
    auto d = make_driver(l, place(l, "/c1", "c1", ""), options_for(t));
    CHECK(error_of([&] { d->create(); }) == "cgroup " + t.path("freezer/c1") + " already holds 1 process(es)");
}

TEST_CASE("v1 driver: apply writes every controller's files")
{
    FakeTree t;
    Layout l = v1_layout();
    make_hierarchies(t, l);
    t.files("memory/c1", {"memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.swappiness"});
    t.files("cpu/c1", {"cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us"});
    t.files("cpuset/c1", {"cpuset.cpus"});
    t.files("pids/c1", {"pids.max"});
    t.files("blkio/c1", {"blkio.bfq.weight"});   // BFQ only: the alias is used
    t.files("devices/c1", {"devices.allow", "devices.deny"});
    auto d = make_driver(l, place(l, "/c1", "c1", ""), options_for(t));

    Resources r;
    r.memory = MemoryResources{};
    r.memory->limit = 1 << 20;
    r.memory->swap = 2 << 20;
    r.memory->swappiness = 0;
    r.memory->kernel = 1 << 20;   // no such file here: skipped
    r.cpu = CpuResources{};
    r.cpu->shares = 512;
    r.cpu->quota = 20000;
    r.cpu->period = 100000;
    r.cpu->cpus = "0";
    r.pids = PidsResources{32};
    r.block_io = BlockIoResources{};
    r.block_io->weight = 500;
    r.devices = {{true, "c", 4, 1, "rw"}};
    d->apply(r);

    CHECK(t.read("memory/c1/memory.limit_in_bytes") == "1048576\n");
    CHECK(t.read("memory/c1/memory.memsw.limit_in_bytes") == "2097152\n");
    CHECK(t.read("memory/c1/memory.swappiness") == "0\n");
    CHECK(t.read("cpu/c1/cpu.shares") == "512\n");
    CHECK(t.read("cpu/c1/cpu.cfs_period_us") == "100000\n");
    CHECK(t.read("cpu/c1/cpu.cfs_quota_us") == "20000\n");
    CHECK(t.read("cpuset/c1/cpuset.cpus") == "0\n");
    CHECK(t.read("pids/c1/pids.max") == "32\n");
    CHECK(t.read("blkio/c1/blkio.bfq.weight") == "500\n");
    CHECK(t.read("devices/c1/devices.deny") == "a *:* rwm\n");
    std::string allow = t.read("devices/c1/devices.allow");
    CHECK_THAT(allow, Catch::StartsWith("c 4:1 rw\nc *:* m\nb *:* m\nc 1:3 rwm\n"));
    CHECK_THAT(allow, Catch::EndsWith("c 10:200 rwm\n"));

    // update leaves devices alone unless rules are given.
    Resources u;
    u.pids = PidsResources{0};
    d->update(u);
    CHECK(t.read("pids/c1/pids.max") == "32\nmax\n");
    CHECK(t.read("devices/c1/devices.deny") == "a *:* rwm\n");

    // Controllers the host lacks, and what v1 cannot do, fail by name.
    Resources h;
    h.hugepage_limits = {{"2MB", 1}};
    CHECK(error_of([&] { d->update(h); }) ==
          "linux.resources.hugepageLimits[0]: the hugetlb cgroup controller is not available on this host");
    Resources un;
    un.unified["memory.high"] = "1";
    CHECK(error_of([&] { d->update(un); }) == "linux.resources.unified: cannot be used on a cgroup v1 host");
}

TEST_CASE("v1 driver: the current memory limit orders memsw before a raised limit")
{
    FakeTree t;
    Layout l = v1_layout();
    make_hierarchies(t, l);
    t.files("memory/c1", {"memory.limit_in_bytes"}, "1048576\n");
    t.files("memory/c1", {"memory.memsw.limit_in_bytes"});
    auto d = make_driver(l, place(l, "/c1", "c1", ""), options_for(t));
    Resources r;
    r.memory = MemoryResources{};
    r.memory->limit = 4 << 20;
    r.memory->swap = 8 << 20;
    d->update(r);
    // Both written once; had the limit gone first with memsw at 1M the kernel would refuse it.
    CHECK(t.read("memory/c1/memory.limit_in_bytes") == "1048576\n4194304\n");
    CHECK(t.read("memory/c1/memory.memsw.limit_in_bytes") == "8388608\n");
}

TEST_CASE("v1 driver: processes, freezer, kill, stats")
{
    FakeTree t;
    Layout l = v1_layout();
    make_hierarchies(t, l);
    for (const auto& h : l.v1)
        t.files(h.dir + "/c1", {"cgroup.procs"});
    t.files("freezer/c1", {"freezer.state"}, "THAWED\n");
    auto d = make_driver(l, place(l, "/c1", "c1", ""), options_for(t));

    d->add_process(4242);
    for (const auto& h : l.v1)
        CHECK(t.read(h.dir + "/c1/cgroup.procs") == "4242\n");
    t.files("freezer/c1/sub", {"cgroup.procs"}, "4343\n");
    CHECK(d->pids() == std::vector<pid_t>{4242, 4343});
    CHECK_FALSE(d->empty());

    CHECK_FALSE(d->frozen());
    d->freeze();
    CHECK(d->frozen());
    d->thaw();
    CHECK_FALSE(d->frozen());
    CHECK(t.read("freezer/c1/freezer.state") == "THAWED\nFROZEN\nTHAWED\n");

    t.files("pids/c1", {"pids.current"}, "2\n");
    t.files("pids/c1", {"pids.max"}, "max\n");
    t.files("memory/c1", {"memory.stat"}, "cache 10\n");
    std::string json = d->stats_json();
    CHECK_THAT(json, Catch::Contains(R"("pids":{"current":2})"));
    CHECK_THAT(json, Catch::Contains(R"("raw":{"cache":10})"));
}

TEST_CASE("v2 driver: create delegates controllers and gives a clone fd")
{
    FakeTree t;
    t.put("cgroup.controllers", "cpu memory pids\n");
    t.put("cgroup.subtree_control", "memory\n");
    Layout l = v2_layout();
    auto d = make_driver(l, place(l, "/box/c1", "c1", "0::/\n"), options_for(t));
    CHECK(d->mode() == Mode::unified);
    CHECK(d->placement() == Placement{{"", "/box/c1"}});
    d->create();
    CHECK(t.exists("box/c1"));
    CHECK(t.read("cgroup.subtree_control") == "memory\n+cpu +pids\n");   // only what was missing
    CHECK(d->dir_fd_for_clone() >= 0);
    d->destroy();
    CHECK_FALSE(t.exists("box/c1"));

    DriverOptions quiet = options_for(t);
    quiet.enable_controllers = false;
    t.put("cgroup.subtree_control", "");
    make_driver(l, place(l, "/c2", "c2", ""), quiet)->create();
    CHECK(t.read("cgroup.subtree_control").empty());
}

TEST_CASE("v2 driver: apply converts and writes")
{
    FakeTree t;
    Layout l = v2_layout();
    t.files("c1", {"memory.max", "memory.swap.max", "memory.low", "cpu.weight", "cpu.max", "pids.max", "io.weight",
                   "cpuset.cpus", "memory.high"});
    DriverOptions o = options_for(t);
    o.skip_devices = true;   // no eBPF on a test tree
    auto d = make_driver(l, place(l, "/c1", "c1", ""), o);

    Resources r;
    r.memory = MemoryResources{};
    r.memory->limit = 1 << 20;
    r.memory->swap = 3 << 20;
    r.memory->reservation = 1 << 19;
    r.cpu = CpuResources{};
    r.cpu->shares = 2048;
    r.cpu->quota = 50000;
    r.cpu->period = 100000;
    r.cpu->cpus = "1";
    r.pids = PidsResources{-1};
    r.block_io = BlockIoResources{};
    r.block_io->weight = 100;
    r.unified["memory.high"] = "max";
    d->apply(r);
    CHECK(t.read("c1/memory.max") == "1048576\n");
    CHECK(t.read("c1/memory.swap.max") == "2097152\n");
    CHECK(t.read("c1/memory.low") == "524288\n");
    CHECK(t.read("c1/cpu.weight") == "174\n");
    CHECK(t.read("c1/cpu.max") == "50000 100000\n");
    CHECK(t.read("c1/pids.max") == "max\n");
    CHECK(t.read("c1/io.weight") == "910\n");   // no BFQ here
    CHECK(t.read("c1/cpuset.cpus") == "1\n");
    CHECK(t.read("c1/memory.high") == "max\n");

    // checkBeforeUpdate refuses a limit under the current usage.
    t.put("c1/memory.current", "4194304\n");
    Resources low;
    low.memory = MemoryResources{};
    low.memory->limit = 1 << 20;
    low.memory->check_before_update = true;
    CHECK(error_of([&] { d->update(low); }) ==
          "linux.resources.memory.limit: 1048576 is not above the current memory+swap usage 4194304 "
          "(checkBeforeUpdate)");
}

TEST_CASE("v2 driver: freeze, thaw timeout, kill, populated, stats")
{
    FakeTree t;
    Layout l = v2_layout();
    t.files("c1", {"cgroup.freeze", "cgroup.kill", "cgroup.procs"});
    t.put("c1/cgroup.events", "populated 1\nfrozen 1\n");
    t.put("c1/pids.current", "1\n");
    auto d = make_driver(l, place(l, "/c1", "c1", ""), options_for(t));

    d->freeze();   // the events file says frozen 1 already
    CHECK(d->frozen());
    CHECK(t.read("c1/cgroup.freeze") == "1\n");
    CHECK(error_of([&] { d->thaw(); }) ==
          "thaw " + t.path("c1") + ": cgroup.events did not report frozen 0 within 50 ms");
    CHECK_FALSE(d->empty());
    t.put("c1/cgroup.events", "populated 0\nfrozen 0\n");
    CHECK(d->empty());
    CHECK_FALSE(d->frozen());

    d->kill_all(SIGKILL);
    CHECK(t.read("c1/cgroup.kill") == "1\n");

    d->add_process(99);
    CHECK(t.read("c1/cgroup.procs") == "99\n");
    CHECK_THAT(d->stats_json(), Catch::Contains(R"("pids":{"current":1})"));
}

TEST_CASE("placement of a container on a hybrid host")
{
    Layout l;
    l.mode = Mode::hybrid;
    l.v1 = {{"memory", "/", {"memory"}, false}, {"pids", "/", {"pids"}, false}};
    l.unified = Hierarchy{"unified", "/", {}, true};
    std::string self = "8:pids:/\n4:memory:/api/abc\n0::/session/scope\n";

    Placement p = place(l, "", "c1", self);
    CHECK(p == Placement{{"memory", "/ocirun/c1"}, {"pids", "/ocirun/c1"}, {"unified", "/ocirun/c1"}});

    Placement rel = place(l, "box/c1", "c1", self);
    CHECK(rel == Placement{{"memory", "/api/abc/box/c1"}, {"pids", "/box/c1"}, {"unified", "/session/box/c1"}});
}
