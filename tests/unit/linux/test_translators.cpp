#include <catch2/catch.hpp>

#include "linux/cgroup_mount.hpp"
#include "linux/idmap.hpp"
#include "linux/mount_options.hpp"
#include "linux/process_attrs.hpp"

#include <oci/error.hpp>

#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/resource.h>

using namespace oci::sys;

TEST_CASE("mount options: flags, clears, propagation, recursive attrs, data")
{
    auto o = parse_mount_options({"nosuid", "strictatime", "mode=755", "size=65536k", "ro", "rw", "rslave", "rro"});
    CHECK((o.flags & MS_NOSUID) != 0);
    CHECK((o.flags & MS_STRICTATIME) != 0);
    CHECK((o.flags & MS_RDONLY) == 0);         // "rw" after "ro" wins
    CHECK((o.cleared & MS_RDONLY) != 0);
    CHECK(o.data == "mode=755,size=65536k");
    REQUIRE(o.propagation.size() == 1);
    CHECK(o.propagation[0] == (MS_SLAVE | MS_REC));
    CHECK((o.rec_attr_set & MOUNT_ATTR_RDONLY) != 0);

    auto b = parse_mount_options({"rbind", "nodev"});
    CHECK(b.is_bind());
    CHECK((b.flags & MS_REC) != 0);
    CHECK(parse_mount_options({"bind"}).is_bind());
    CHECK_FALSE(parse_mount_options({"defaults"}).is_bind());
    CHECK(parse_mount_options({"idmap"}).idmap);
}

TEST_CASE("id maps are written one line per mapping")
{
    CHECK(format_id_map({{0, 100000, 65536}, {65536, 1000, 1}}) == "0 100000 65536\n65536 1000 1\n");
}

TEST_CASE("id map plan: root writes every map itself")
{
    IdMapPlan p = plan_id_maps({{0, 100000, 65536}}, {{0, 100000, 65536}}, true, 0, 0);
    CHECK(p.uid == MapWriter::direct);
    CHECK(p.gid == MapWriter::direct);
    CHECK_FALSE(p.deny_setgroups);
}

TEST_CASE("id map plan: unprivileged, the caller's own ids are written directly, setgroups denied")
{
    IdMapPlan p = plan_id_maps({{0, 1000, 1}}, {{0, 1001, 1}}, false, 1000, 1001);
    CHECK(p.uid == MapWriter::direct);
    CHECK(p.gid == MapWriter::direct);
    CHECK(p.deny_setgroups);
    // Any container id will do, but only the caller's own host id, one of it.
    CHECK(plan_id_maps({{5, 1000, 1}}, {{5, 1001, 1}}, false, 1000, 1001).uid == MapWriter::direct);
}

TEST_CASE("id map plan: unprivileged, anything else goes through newuidmap/newgidmap")
{
    IdMapPlan p = plan_id_maps({{0, 1000, 1}, {1, 100000, 65536}}, {{0, 1001, 1}, {1, 100000, 65536}}, false, 1000, 1001);
    CHECK(p.uid == MapWriter::helper);
    CHECK(p.gid == MapWriter::helper);
    CHECK_FALSE(p.deny_setgroups);   // newgidmap's policy decides; groups work in the container
    CHECK(plan_id_maps({{0, 1000, 2}}, {{0, 1001, 1}}, false, 1000, 1001).uid == MapWriter::helper);
    CHECK(plan_id_maps({{0, 1002, 1}}, {{0, 1001, 1}}, false, 1000, 1001).uid == MapWriter::helper);
    IdMapPlan mixed = plan_id_maps({{0, 1000, 1}, {1, 100000, 10}}, {{0, 1001, 1}}, false, 1000, 1001);
    CHECK(mixed.uid == MapWriter::helper);
    CHECK(mixed.gid == MapWriter::direct);
    CHECK(mixed.deny_setgroups);
}

TEST_CASE("newuidmap arguments: the pid, then each mapping's three numbers")
{
    CHECK(helper_args(42, {{0, 1000, 1}, {1, 100000, 65536}}) ==
          std::vector<std::string>{"42", "0", "1000", "1", "1", "100000", "65536"});
}

TEST_CASE("rlimit names")
{
    CHECK(rlimit_resource("RLIMIT_NOFILE") == RLIMIT_NOFILE);
    CHECK(rlimit_resource("RLIMIT_RTTIME") == RLIMIT_RTTIME);
    CHECK(rlimit_resource("RLIMIT_NOPE") == -1);
}

TEST_CASE("sysctls must belong to a namespace the container owns")
{
    CHECK_NOTHROW(check_sysctls({{"net.ipv4.ip_forward", "1"}}, true, false, false));
    CHECK_THROWS_WITH(check_sysctls({{"net.ipv4.ip_forward", "1"}}, false, true, true),
                      "linux.sysctl: net.ipv4.ip_forward requires a new network namespace");
    CHECK_NOTHROW(check_sysctls({{"kernel.shmmax", "1"}, {"fs.mqueue.msg_max", "10"}}, false, true, false));
    CHECK_THROWS(check_sysctls({{"kernel.msgmax", "1"}}, true, false, true));
    CHECK_NOTHROW(check_sysctls({{"kernel.hostname", "x"}}, false, false, true));
    CHECK_THROWS_WITH(check_sysctls({{"kernel.panic", "1"}}, true, true, true),
                      Catch::Contains("not namespaced"));
}

TEST_CASE("cgroup mounts of a hybrid host are found in mountinfo")
{
    std::string mountinfo =
        "30 25 0:26 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs ro,mode=755\n"
        "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw\n"
        "32 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
        "33 30 0:29 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
        "40 25 0:30 / /proc rw - proc proc rw\n";
    auto h = parse_cgroup_mounts(mountinfo);
    REQUIRE(h.size() == 3);
    CHECK(h[0].fs_type == "cgroup2");
    CHECK(h[1].mount_point == "/sys/fs/cgroup/cpu,cpuacct");
    CHECK(h[1].super_options == "cpu,cpuacct");
    CHECK(h[2].super_options == "xattr,name=systemd");

    std::string self = "9:name=systemd:/user.slice\n4:cpu,cpuacct:/a/b\n0::/c\n";
    CHECK(own_cgroup_path(self, h[0]) == "/c");
    CHECK(own_cgroup_path(self, h[1]) == "/a/b");
    CHECK(own_cgroup_path(self, h[2]) == "/user.slice");
}

TEST_CASE("executables are found along the container's PATH")
{
    CHECK(find_executable("sh", {"PATH=/nonexistent:/bin"}) == "/bin/sh");
    CHECK(find_executable("/bin/sh", {}) == "/bin/sh");
    CHECK_THROWS_WITH(find_executable("no-such-program-xyz", {"PATH=/bin"}),
                      "exec: \"no-such-program-xyz\": executable file not found in $PATH");
    CHECK_THROWS_WITH(find_executable("/bin/nope", {}), "exec: /bin/nope: no such file or directory");
    CHECK_THROWS_WITH(find_executable("/etc/passwd", {}), Catch::Contains("permission denied"));
}
