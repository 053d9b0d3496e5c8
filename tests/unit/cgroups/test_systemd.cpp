// The systemd driver's pure parts: cgroupsPath "slice:prefix:name", slice
// expansion, unit and resource properties; and a stored systemd placement
// opened on a test tree (no bus needed for the cgroupfs side).
#include <catch2/catch.hpp>

#include "cgroups/driver.hpp"
#include "cgroups/systemd_properties.hpp"
#include "cgroups/systemd_unit.hpp"
#include "helpers.hpp"

#include <algorithm>
#include <map>

using namespace oci::cgroups;
using namespace oci::spec;
using cgroups_test::error_of;
using cgroups_test::FakeTree;

namespace {

const SystemdProperty* find(const std::vector<SystemdProperty>& props, const std::string& name)
{
    auto it = std::find_if(props.begin(), props.end(), [&](const SystemdProperty& p) { return p.name == name; });
    return it == props.end() ? nullptr : &*it;
}

std::vector<std::string> names(const std::vector<SystemdProperty>& props)
{
    std::vector<std::string> out;
    for (const auto& p : props)
        out.push_back(p.name);
    return out;
}

} // namespace

TEST_CASE("systemd cgroupsPath: slice:prefix:name as runc parses it")
{
    CHECK(parse_systemd_cgroups_path("machine.slice:docker:abc", "c1") == SystemdUnit{"machine.slice", "docker-abc.scope"});
    CHECK(parse_systemd_cgroups_path(":docker:abc", "c1") == SystemdUnit{"system.slice", "docker-abc.scope"});
    CHECK(parse_systemd_cgroups_path("", "c1") == SystemdUnit{"system.slice", "ocirun-c1.scope"});
    CHECK(parse_systemd_cgroups_path("a-b.slice::abc", "c1") == SystemdUnit{"a-b.slice", "abc.scope"});
    SystemdUnit slice = parse_systemd_cgroups_path("test.slice:ignored:test-pod.slice", "c1");
    CHECK(slice == SystemdUnit{"test.slice", "test-pod.slice"});
    CHECK(slice.is_slice());
    CHECK_FALSE(parse_systemd_cgroups_path("", "c1").is_slice());
}

TEST_CASE("systemd cgroupsPath: other forms are refused naming the field")
{
    CHECK(error_of([] { parse_systemd_cgroups_path("/ocirun/c1", "c1"); }) ==
          "linux.cgroupsPath: \"/ocirun/c1\": expected \"slice:prefix:name\" for the systemd cgroup driver");
    CHECK_THAT(error_of([] { parse_systemd_cgroups_path("a:b", "c1"); }), Catch::StartsWith("linux.cgroupsPath: \"a:b\": expected"));
    CHECK_THAT(error_of([] { parse_systemd_cgroups_path("a:b:c:d", "c1"); }), Catch::Contains("slice:prefix:name"));
    CHECK(error_of([] { parse_systemd_cgroups_path("system:p:n", "c1"); }) ==
          "linux.cgroupsPath: \"system:p:n\": invalid slice name \"system\"");
    CHECK_THAT(error_of([] { parse_systemd_cgroups_path("a--b.slice:p:n", "c1"); }), Catch::Contains("invalid slice name"));
    CHECK_THAT(error_of([] { parse_systemd_cgroups_path("system.slice:p:", "c1"); }), Catch::Contains("is empty"));
    CHECK_THAT(error_of([] { parse_systemd_cgroups_path("system.slice:p:a/b", "c1"); }), Catch::Contains("letters, digits"));
    CHECK_THAT(error_of([] { parse_systemd_cgroups_path("system.slice:p q:n", "c1"); }), Catch::Contains("letters, digits"));
    CHECK_THAT(error_of([] { parse_systemd_cgroups_path("system.slice::-x.slice", "c1"); }),
               Catch::Contains("invalid slice name \"-x.slice\""));
    CHECK_THAT(error_of([] { parse_systemd_cgroups_path("system.slice::" + std::string(300, 'a'), "c1"); }),
               Catch::Contains("longer than 255"));
}

TEST_CASE("systemd slices expand to their nested cgroup path")
{
    CHECK(expand_slice("system.slice") == "/system.slice");
    CHECK(expand_slice("a-b-c.slice") == "/a.slice/a-b.slice/a-b-c.slice");
    CHECK(expand_slice("-.slice") == "/");
    CHECK_THROWS_WITH(expand_slice(".slice"), "invalid slice name \".slice\"");
    CHECK_THROWS(expand_slice("a.scope"));
    CHECK_THROWS(expand_slice("-a.slice"));
    CHECK_THROWS(expand_slice("a-.slice"));
    CHECK_THROWS(expand_slice("a/b.slice"));
}

TEST_CASE("systemd unit properties: a delegated scope with the init's pid")
{
    SystemdUnit scope{"machine.slice", "ocirun-c1.scope"};
    auto props = unit_properties(scope, 4242, "ocirun container c1", SystemdHost{true, 252});
    CHECK(names(props) == std::vector<std::string>{"Description", "Slice", "Delegate", "PIDs", "MemoryAccounting",
                                                   "CPUAccounting", "IOAccounting", "TasksAccounting",
                                                   "DefaultDependencies"});
    CHECK(find(props, "Description")->value == PropertyValue{std::string("ocirun container c1")});
    CHECK(find(props, "Slice")->value == PropertyValue{std::string("machine.slice")});
    CHECK(find(props, "Delegate")->value == PropertyValue{true});
    CHECK(find(props, "PIDs")->value == PropertyValue{std::vector<uint32_t>{4242}});
    CHECK(find(props, "DefaultDependencies")->value == PropertyValue{false});

    auto v1 = unit_properties(scope, 1, "d", SystemdHost{false, 252});
    CHECK(find(v1, "BlockIOAccounting") != nullptr);
    CHECK(find(v1, "IOAccounting") == nullptr);
}

TEST_CASE("systemd unit properties: a slice unit wants its parent and holds no pid")
{
    SystemdUnit slice{"test.slice", "test-pod.slice"};
    auto props = unit_properties(slice, 4242, "d", SystemdHost{});
    CHECK(find(props, "Wants")->value == PropertyValue{std::vector<std::string>{"test.slice"}});
    CHECK(find(props, "Slice") == nullptr);
    CHECK(find(props, "PIDs") == nullptr);
    CHECK(find(props, "Delegate") == nullptr);
}

TEST_CASE("systemd resource properties on cgroup2")
{
    Resources r;
    r.memory = MemoryResources{};
    r.memory->limit = 64 << 20;
    r.memory->reservation = 32 << 20;
    r.memory->swap = 96 << 20;
    r.cpu = CpuResources{};
    r.cpu->shares = 1024;
    r.cpu->quota = 50000;
    r.cpu->period = 100000;
    r.cpu->cpus = "0-1";
    r.cpu->mems = "0";
    r.pids = PidsResources{100};
    auto props = resource_properties(r, SystemdHost{true, 252});
    CHECK(names(props) == std::vector<std::string>{"MemoryMax", "MemoryLow", "MemorySwapMax", "CPUWeight",
                                                   "CPUQuotaPeriodUSec", "CPUQuotaPerSecUSec", "AllowedCPUs",
                                                   "AllowedMemoryNodes", "TasksMax"});
    CHECK(find(props, "MemoryMax")->value == PropertyValue{uint64_t{64 << 20}});
    CHECK(find(props, "MemorySwapMax")->value == PropertyValue{uint64_t{32 << 20}});   // swap alone, as memory.swap.max
    CHECK(find(props, "CPUWeight")->value == PropertyValue{shares_to_weight(1024)});
    CHECK(find(props, "CPUQuotaPeriodUSec")->value == PropertyValue{uint64_t{100000}});
    CHECK(find(props, "CPUQuotaPerSecUSec")->value == PropertyValue{uint64_t{500000}});
    CHECK(find(props, "AllowedCPUs")->value == PropertyValue{std::vector<uint8_t>{0x03}});
    CHECK(find(props, "TasksMax")->value == PropertyValue{uint64_t{100}});
}

TEST_CASE("systemd resource properties: unlimited, unset, old systemd, cgroup v1")
{
    Resources r;
    r.memory = MemoryResources{};
    r.memory->limit = -1;
    r.pids = PidsResources{-1};
    r.cpu = CpuResources{};
    r.cpu->quota = -1;
    auto props = resource_properties(r, SystemdHost{true, 252});
    CHECK(find(props, "MemoryMax")->value == PropertyValue{kSystemdInfinity});
    CHECK(find(props, "MemorySwapMax")->value == PropertyValue{kSystemdInfinity});
    CHECK(find(props, "TasksMax")->value == PropertyValue{kSystemdInfinity});
    CHECK(find(props, "CPUQuotaPerSecUSec")->value == PropertyValue{kSystemdInfinity});
    CHECK(find(props, "CPUQuotaPeriodUSec") == nullptr);

    CHECK(resource_properties(Resources{}, SystemdHost{}).empty());
    Resources zero;
    zero.pids = PidsResources{0};
    CHECK(resource_properties(zero, SystemdHost{}).empty());

    Resources c;
    c.cpu = CpuResources{};
    c.cpu->period = 50000;
    c.cpu->cpus = "0";
    auto old = resource_properties(c, SystemdHost{true, 241});
    CHECK(names(old) == std::vector<std::string>{"CPUQuotaPerSecUSec"});   // no period, no AllowedCPUs

    Resources v;
    v.memory = MemoryResources{};
    v.memory->limit = 1 << 20;
    v.cpu = CpuResources{};
    v.cpu->shares = 512;
    v.cpu->cpus = "0";
    v.block_io = BlockIoResources{};
    v.block_io->weight = 300;
    auto v1 = resource_properties(v, SystemdHost{false, 252});
    CHECK(names(v1) == std::vector<std::string>{"MemoryLimit", "CPUShares", "BlockIOWeight"});
    CHECK(find(v1, "CPUShares")->value == PropertyValue{uint64_t{512}});

    Resources bad;
    bad.memory = MemoryResources{};
    bad.memory->swap = 1 << 20;   // swap without a memory limit
    CHECK_THROWS(resource_properties(bad, SystemdHost{true, 252}));
}

TEST_CASE("systemd CPUQuotaPerSecUSec rounds up to whole percents, as runc")
{
    CHECK(cpu_quota_per_sec_usec(50000, 100000) == 500000);
    CHECK(cpu_quota_per_sec_usec(12345, 100000) == 130000);   // 123450 -> 130000
    CHECK(cpu_quota_per_sec_usec(100000, 0) == 1000000);      // systemd's default period
    CHECK(cpu_quota_per_sec_usec(0, 100000) == kSystemdInfinity);
    CHECK(cpu_quota_per_sec_usec(-1, 100000) == kSystemdInfinity);
}

TEST_CASE("systemd AllowedCPUs bitmask from a cpuset list")
{
    CHECK(cpuset_to_bits("0") == std::vector<uint8_t>{0x01});
    CHECK(cpuset_to_bits("0-3,5") == std::vector<uint8_t>{0x2f});
    CHECK(cpuset_to_bits("9") == std::vector<uint8_t>{0x00, 0x02});
    CHECK(cpuset_to_bits("1,8-9\n") == std::vector<uint8_t>{0x02, 0x03});
    CHECK_THROWS_WITH(cpuset_to_bits("3-1"), "invalid cpuset list \"3-1\"");
    CHECK_THROWS(cpuset_to_bits("a"));
    CHECK_THROWS(cpuset_to_bits("1,,2"));
    CHECK_THROWS(cpuset_to_bits("99999999"));
}

TEST_CASE("a stored systemd placement opens a driver whose cgroup files are the unit's")
{
    FakeTree t;
    Layout l;
    l.mode = Mode::unified;
    l.unified = Hierarchy{"", "/", {}, true};
    t.files("system.slice/ocirun-c1.scope", {"cgroup.freeze", "cgroup.kill", "cgroup.procs"});
    t.put("system.slice/ocirun-c1.scope/cgroup.procs", "77\n");
    t.put("system.slice/ocirun-c1.scope/cgroup.events", "populated 1\nfrozen 1\n");
    DriverOptions o;
    o.root = t.root();
    o.freeze_timeout_ms = 50;
    Placement p = place_everywhere(l, "/system.slice/ocirun-c1.scope");
    p[kSystemdUnitKey] = "ocirun-c1.scope";
    auto d = make_driver(l, p, o);
    CHECK(d->placement() == p);
    CHECK(d->pids() == std::vector<pid_t>{77});
    CHECK(d->dir_fd_for_clone() >= 0);   // exec joins the scope with CLONE_INTO_CGROUP
    d->freeze();
    CHECK(t.read("system.slice/ocirun-c1.scope/cgroup.freeze") == "1\n");
    d->add_process(88);
    CHECK(t.read("system.slice/ocirun-c1.scope/cgroup.procs") == "77\n88\n");
}

TEST_CASE("systemd driver: a new unit is not started before the init's pid exists")
{
    FakeTree t;
    Layout l;
    l.mode = Mode::unified;
    l.unified = Hierarchy{"", "/", {}, true};
    DriverOptions o;
    o.root = t.root();
    o.systemd = true;
    auto d = make_systemd_driver(l, "machine.slice:box:c1", "c1", o);
    CHECK(d->placement().empty());
    CHECK(d->dir_fd_for_clone() == -1);
    CHECK(d->pids().empty());
    CHECK(d->empty());
    CHECK_NOTHROW(d->apply(Resources{}));   // kept for the unit
    CHECK_NOTHROW(d->destroy());            // nothing was started
    CHECK_THROWS_WITH(d->freeze(), "systemd unit box-c1.scope has not been started");
    CHECK_THROWS_WITH(make_systemd_driver(l, "/a/b", "c1", o), Catch::StartsWith("linux.cgroupsPath: \"/a/b\""));
}

namespace {

DeviceCgroupRule dev(bool allow, std::string type, std::optional<int64_t> major, std::optional<int64_t> minor,
                     std::string access)
{
    DeviceCgroupRule r;
    r.allow = allow;
    r.type = std::move(type);
    r.major = major;
    r.minor = minor;
    r.access = std::move(access);
    return r;
}

std::string pts_group(char type, int64_t major)
{
    return type == 'c' && major == 136 ? "pts" : "";
}

} // namespace

TEST_CASE("systemd device properties: the default allow list, strict")
{
    auto d = device_properties(container_device_rules({}), pts_group);
    CHECK(d.warnings.empty());
    REQUIRE(d.properties.size() == 3);
    CHECK(d.properties[0] == SystemdProperty{"DevicePolicy", std::string("strict")});
    CHECK(d.properties[1] == SystemdProperty{"DeviceAllow", DeviceAllowList{}});   // clears what the unit had
    const auto& allow = std::get<DeviceAllowList>(d.properties[2].value);
    CHECK(allow.front() == std::make_pair(std::string("char-*"), std::string("m")));
    CHECK(allow[1] == std::make_pair(std::string("block-*"), std::string("m")));
    CHECK(std::count(allow.begin(), allow.end(), std::make_pair(std::string("/dev/char/1:3"), std::string("rwm"))) == 1);
    CHECK(std::count(allow.begin(), allow.end(), std::make_pair(std::string("char-pts"), std::string("rwm"))) == 1);
    CHECK(std::count(allow.begin(), allow.end(), std::make_pair(std::string("/dev/char/10:200"), std::string("rwm"))) == 1);
    CHECK(allow.size() == default_allowed_devices().size());
}

TEST_CASE("systemd device properties: configured rules, merged and taken away")
{
    auto d = device_properties(container_device_rules({dev(false, "a", {}, {}, "rwm"), dev(true, "b", 8, 0, "r"),
                                                       dev(true, "b", 8, 0, "w"), dev(true, "c", 4, {}, "rw"),
                                                       dev(false, "c", 4, {}, "w")}),
                               pts_group);
    const auto& allow = std::get<DeviceAllowList>(d.properties[2].value);
    CHECK(allow[0] == std::make_pair(std::string("/dev/block/8:0"), std::string("rw")));
    CHECK(allow[1] == std::make_pair(std::string("char-*"), std::string("r")));   // major 4 has no group here: wider
    // A deny inside an allowed range cannot narrow it in systemd; the cgroup's own policy does.
    auto wide = device_properties(container_device_rules({dev(true, "c", 1, {}, "rwm"), dev(false, "c", 1, 3, "rwm")}),
                                  pts_group);
    const auto& w = std::get<DeviceAllowList>(wide.properties[2].value);
    CHECK(w[0] == std::make_pair(std::string("char-*"), std::string("rwm")));   // c 1:* kept whole
    CHECK(std::count(w.begin(), w.end(), std::make_pair(std::string("/dev/char/1:3"), std::string("rwm"))) == 1);
}

TEST_CASE("systemd device properties: allow-all, and deny rules systemd cannot express")
{
    auto all = device_properties(container_device_rules({dev(true, "a", {}, {}, "rwm")}), pts_group);
    REQUIRE(all.properties.size() == 2);
    CHECK(all.properties[0] == SystemdProperty{"DevicePolicy", std::string("auto")});
    CHECK(all.warnings.empty());
    auto deny = device_properties(container_device_rules({dev(true, "a", {}, {}, "rwm"), dev(false, "b", 8, 0, "rwm")}),
                                  pts_group);
    CHECK(deny.properties.empty());
    REQUIRE(deny.warnings.size() == 1);
    CHECK_THAT(deny.warnings[0], Catch::Contains("cannot express deny rules"));
}

TEST_CASE("systemd device groups from /proc/devices")
{
    std::string text = "Character devices:\n  1 mem\n  4 /dev/vc/0\n  4 tty\n136 pts\n\nBlock devices:\n  8 sd\n259 blkext\n";
    CHECK(device_group(text, 'c', 136) == "pts");
    CHECK(device_group(text, 'c', 1) == "mem");
    CHECK(device_group(text, 'b', 8) == "sd");
    CHECK(device_group(text, 'b', 1) == "");
    CHECK(device_group(text, 'c', 8) == "");
}

TEST_CASE("systemd update: the missing half of the CFS quota comes from the cgroup")
{
    std::map<std::string, std::string> files = {{"cpu.max", "50000 20000\n"},
                                                {"cpu.cfs_quota_us", "-1\n"},
                                                {"cpu.cfs_period_us", "250000\n"}};
    auto read = [&](const std::string& f) -> std::optional<std::string> {
        auto it = files.find(f);
        return it == files.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    Resources period_only;
    period_only.cpu = CpuResources{};
    period_only.cpu->period = 100000;
    auto v2 = complete_cpu_quota(period_only, true, read);
    CHECK(v2.cpu->quota == 50000);   // the quota stays, it is not lifted
    CHECK(find(resource_properties(v2, SystemdHost{true, 252}), "CPUQuotaPerSecUSec")->value ==
          PropertyValue{uint64_t{500000}});
    auto v1 = complete_cpu_quota(period_only, false, read);
    CHECK(v1.cpu->quota == -1);

    Resources quota_only;
    quota_only.cpu = CpuResources{};
    quota_only.cpu->quota = 10000;
    CHECK(complete_cpu_quota(quota_only, true, read).cpu->period == 20000u);
    CHECK(complete_cpu_quota(quota_only, false, read).cpu->period == 250000u);
    files["cpu.max"] = "max 100000\n";
    CHECK(complete_cpu_quota(period_only, true, read).cpu->quota == -1);

    Resources both;
    both.cpu = CpuResources{};
    both.cpu->quota = 1;
    both.cpu->period = 2;
    CHECK(complete_cpu_quota(both, true, read) == both);
    CHECK(complete_cpu_quota(Resources{}, true, read) == Resources{});
    CHECK(complete_cpu_quota(quota_only, true, [](const std::string&) { return std::optional<std::string>(); }) ==
          quota_only);
}
