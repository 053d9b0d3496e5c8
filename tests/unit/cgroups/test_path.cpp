#include <catch2/catch.hpp>

#include "cgroups/path.hpp"
#include "helpers.hpp"

using namespace oci::cgroups;
using cgroups_test::error_of;

TEST_CASE("cgroupsPath: empty, absolute and relative paths are normalised")
{
    CHECK(normalize_cgroups_path("", "c1") == "/ocirun/c1");
    CHECK(normalize_cgroups_path("/a//b/./c/", "c1") == "/a/b/c");
    CHECK(normalize_cgroups_path("a/b", "c1") == "a/b");
    CHECK(normalize_cgroups_path("./a", "c1") == "a");
}

TEST_CASE("cgroupsPath: .. and the hierarchy root are refused")
{
    CHECK(error_of([] { normalize_cgroups_path("/a/../../etc", "c1"); }) ==
          "linux.cgroupsPath: \"/a/../../etc\": must not contain \"..\"");
    CHECK(error_of([] { normalize_cgroups_path("..", "c1"); }) ==
          "linux.cgroupsPath: \"..\": must not contain \"..\"");
    CHECK(error_of([] { normalize_cgroups_path("/", "c1"); }) ==
          "linux.cgroupsPath: \"/\": names the root of the cgroup hierarchy");
    CHECK_THROWS(normalize_cgroups_path("//./", "c1"));
    CHECK_THROWS(normalize_cgroups_path("", ".."));   // an id cannot climb either
    CHECK(normalize_cgroups_path("a..b", "c1") == "a..b");  // only whole components
}

TEST_CASE("cgroupsPath: placement inside a hierarchy, v1 and v2 like runc")
{
    // Absolute: as is, whatever the runtime's own cgroup.
    CHECK(path_in_hierarchy("/x/y", "/user.slice/s1", false) == "/x/y");
    CHECK(path_in_hierarchy("/x/y", "/user.slice/s1", true) == "/x/y");
    // Relative, v1: below the runtime's own cgroup.
    CHECK(path_in_hierarchy("x/y", "/user.slice/s1", false) == "/user.slice/s1/x/y");
    CHECK(path_in_hierarchy("x", "/", false) == "/x");
    // Relative, v2: below the parent of the own cgroup (which holds processes).
    CHECK(path_in_hierarchy("x/y", "/user.slice/s1", true) == "/user.slice/x/y");
    CHECK(path_in_hierarchy("x", "/s1", true) == "/x");
    CHECK(path_in_hierarchy("x", "/", true) == "/x");
}
