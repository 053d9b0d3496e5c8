#include <catch2/catch.hpp>

#include "container/host_cgroup_mounts.hpp"

#include <algorithm>

using oci::core::host_cgroup_mounts;
using oci::sys::CgroupMountInfo;

namespace {

const char* const kHybrid =
    "30 25 0:26 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs ro,mode=755\n"
    "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
    "32 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
    "33 30 0:29 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,release_agent=/x,name=systemd\n"
    "34 30 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    "40 25 0:31 / /proc rw - proc proc rw\n";

const CgroupMountInfo* at(const std::vector<CgroupMountInfo>& v, const std::string& mount_point)
{
    auto it = std::find_if(v.begin(), v.end(), [&](const CgroupMountInfo& m) { return m.mount_point == mount_point; });
    return it == v.end() ? nullptr : &*it;
}

} // namespace

TEST_CASE("host cgroup mounts from the driver's layout match those read from mountinfo")
{
    auto from_layout = host_cgroup_mounts(oci::cgroups::parse_layout(kHybrid));
    auto from_mountinfo = oci::sys::parse_cgroup_mounts(kHybrid);
    REQUIRE(from_layout.size() == from_mountinfo.size());
    for (const auto& m : from_mountinfo) {
        const CgroupMountInfo* l = at(from_layout, m.mount_point);
        REQUIRE(l != nullptr);
        CHECK(l->fs_type == m.fs_type);
    }
    // Only controllers: what /proc/self/cgroup names, not mount flags.
    CHECK(at(from_layout, "/sys/fs/cgroup/systemd")->super_options == "name=systemd");
    CHECK(at(from_layout, "/sys/fs/cgroup/cpu,cpuacct")->super_options == "cpu,cpuacct");
    std::string self = "9:name=systemd:/user.slice\n4:cpu,cpuacct:/a/b\n3:memory:/m\n0::/c\n";
    for (const auto& m : from_mountinfo)
        CHECK(oci::sys::own_cgroup_path(self, *at(from_layout, m.mount_point)) == oci::sys::own_cgroup_path(self, m));
}

TEST_CASE("host cgroup mounts of a unified host: one cgroup2 mount at the root")
{
    auto v = host_cgroup_mounts(oci::cgroups::parse_layout("30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"));
    REQUIRE(v.size() == 1);
    CHECK(v[0].mount_point == "/sys/fs/cgroup");
    CHECK(v[0].fs_type == "cgroup2");
}

// The prebuilt tree binds these paths where the init, having joined, would bind
// what own_cgroup_path reads from its /proc/self/cgroup.
TEST_CASE("container cgroup paths follow host_cgroup_mounts' order and own_cgroup_path's form")
{
    auto layout = oci::cgroups::parse_layout(kHybrid);
    auto mounts = host_cgroup_mounts(layout);
    oci::cgroups::Placement placement = {
        {"cpu,cpuacct", "/ocirun/c1"}, {"systemd", "/user.slice/c1"}, {"memory", "/"}, {"unified", "/ocirun/c1"}};
    auto paths = oci::core::container_cgroup_paths(layout, placement);
    REQUIRE(paths);
    REQUIRE(paths->size() == mounts.size());
    std::string self = "9:name=systemd:/user.slice/c1\n4:cpu,cpuacct:/ocirun/c1\n3:memory:/\n0::/ocirun/c1\n";
    for (size_t i = 0; i < mounts.size(); ++i) {
        INFO(mounts[i].mount_point);
        CHECK((*paths)[i] == oci::sys::own_cgroup_path(self, mounts[i]));
    }
    placement.erase("memory");
    CHECK_FALSE(oci::core::container_cgroup_paths(layout, placement));
}
