#include <catch2/catch.hpp>

#include "cgroups/layout.hpp"
#include "helpers.hpp"

using namespace oci::cgroups;
using cgroups_test::error_of;

namespace {

const char* const kHybrid =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/x,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n"
    "50 23 0:40 / /proc rw - proc proc rw\n";

} // namespace

TEST_CASE("layout: a hybrid host from mountinfo")
{
    Layout l = parse_layout(kHybrid);
    CHECK(l.mode == Mode::hybrid);
    REQUIRE(l.v1.size() == 3);
    CHECK(l.v1[0].dir == "cpu,cpuacct");
    CHECK(l.v1[0].controllers == std::vector<std::string>{"cpu", "cpuacct"});
    CHECK(l.v1[2].controllers == std::vector<std::string>{"name=systemd"});   // xattr, release_agent dropped
    REQUIRE(l.unified);
    CHECK(l.unified->dir == "unified");
    CHECK(l.unified->v2);
    CHECK(l.find_v1("cpuacct") == &l.v1[0]);
    CHECK(l.find_v1("name=systemd") == &l.v1[2]);
    CHECK(l.find_v1("pids") == nullptr);
}

TEST_CASE("layout: unified, legacy, other roots and nothing mounted")
{
    Layout u = parse_layout("30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    CHECK(u.mode == Mode::unified);
    CHECK(u.v1.empty());
    REQUIRE(u.unified);
    CHECK(u.unified->dir.empty());

    Layout legacy = parse_layout("32 31 0:29 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n");
    CHECK(legacy.mode == Mode::legacy);
    CHECK_FALSE(legacy.unified);

    // Another root (a test tree), with an escaped space and a sub-tree mount.
    Layout t = parse_layout("32 31 0:29 /ctr /tmp/my\\040tree/pids rw - cgroup cgroup rw,pids\n", "/tmp/my tree/");
    REQUIRE(t.v1.size() == 1);
    CHECK(t.v1[0].dir == "pids");
    CHECK(t.v1[0].mount_root == "/ctr");

    CHECK(error_of([] { parse_layout("50 23 0:40 / /proc rw - proc proc rw\n"); }) ==
          "no cgroup file system is mounted at /sys/fs/cgroup");
    // Deeper mounts are not hierarchies of this root.
    CHECK_THROWS(parse_layout("32 31 0:29 / /sys/fs/cgroup/a/b rw - cgroup cgroup rw,pids\n"));
}

TEST_CASE("layout: this host agrees with itself")
{
    if (::access("/sys/fs/cgroup", F_OK) != 0) {
        WARN("SKIP: no /sys/fs/cgroup here");
        return;
    }
    Layout l = detect_layout();
    CHECK(detect_mode() == l.mode);
}

TEST_CASE("/proc/self/cgroup lines and the runtime's own path")
{
    auto entries = parse_proc_cgroup("9:name=systemd:/user.slice\n4:cpu,cpuacct:/a/b\n2:cpuset:/\n0::/c/d\nbad\n");
    REQUIRE(entries.size() == 4);
    CHECK(entries[0].id == 9);
    CHECK(entries[0].controllers == std::vector<std::string>{"name=systemd"});
    CHECK(entries[1].controllers == std::vector<std::string>{"cpu", "cpuacct"});
    CHECK(entries[3].controllers.empty());
    CHECK(entries[3].path == "/c/d");

    Hierarchy cpu{"cpu,cpuacct", "/", {"cpu", "cpuacct"}, false};
    Hierarchy cpu_only{"cpu", "/", {"cpu"}, false};
    Hierarchy v2{"unified", "/", {}, true};
    Hierarchy systemd{"systemd", "/", {"name=systemd"}, false};
    Hierarchy pids{"pids", "/", {"pids"}, false};
    CHECK(own_path(entries, cpu) == "/a/b");
    CHECK(own_path(entries, v2) == "/c/d");
    CHECK(own_path(entries, systemd) == "/user.slice");
    CHECK(own_path(entries, pids) == "/");   // not listed
    // "cpu,cpuacct" in /proc/self/cgroup is not the hierarchy "cpu" alone.
    CHECK(own_path(entries, cpu_only) == "/");

    // A sub-tree mount: paths are relative to its root.
    Hierarchy sub{"cpu,cpuacct", "/a", {"cpu", "cpuacct"}, false};
    CHECK(own_path(entries, sub) == "/b");
    Hierarchy exact{"cpu,cpuacct", "/a/b", {"cpu", "cpuacct"}, false};
    CHECK(own_path(entries, exact) == "/");
}
