#include <catch2/catch.hpp>

#include "cgroups/writer.hpp"
#include "helpers.hpp"
#include "util/unique_fd.hpp"

#include <fcntl.h>

using namespace oci::cgroups;
using cgroups_test::error_of;
using cgroups_test::FakeTree;

namespace {

Write w(const std::string& file, const std::string& value, const std::string& resource = "linux.resources.x")
{
    Write out;
    out.file = file;
    out.value = value;
    out.resource = resource;
    return out;
}

} // namespace

TEST_CASE("writer: values land in order, one line each")
{
    FakeTree t;
    t.files("c", {"pids.max", "devices.allow"});
    oci::util::unique_fd dir(::open(t.path("c").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    apply_writes({w("pids.max", "10"), w("devices.allow", "c 1:3 rwm"), w("devices.allow", "c 1:5 rwm")},
                 [&](const std::string&) { return dir.get(); });
    CHECK(t.read("c/pids.max") == "10\n");
    CHECK(t.read("c/devices.allow") == "c 1:3 rwm\nc 1:5 rwm\n");
}

TEST_CASE("writer: aliases, files the kernel may lack, missing controllers")
{
    FakeTree t;
    t.files("c", {"io.weight", "blkio.bfq.weight"});
    oci::util::unique_fd dir(::open(t.path("c").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    auto lookup = [&](const std::string& c) { return c == "gone" ? -1 : dir.get(); };

    Write bfq = w("io.bfq.weight", "100");
    bfq.alias = "io.weight";
    bfq.alias_value = "910";
    Write v1 = w("blkio.weight", "300");
    v1.alias = "blkio.bfq.weight";
    Write kmem = w("memory.kmem.limit_in_bytes", "1");
    kmem.skip_if_missing = true;
    apply_writes({bfq, v1, kmem}, lookup);
    CHECK(t.read("c/io.weight") == "910\n");
    CHECK(t.read("c/blkio.bfq.weight") == "300\n");
    CHECK_FALSE(t.exists("c/memory.kmem.limit_in_bytes"));   // never created

    CHECK(error_of([&] { apply_writes({w("memory.max", "1", "linux.resources.memory.limit")}, lookup); }) ==
          "linux.resources.memory.limit: write 1 to memory.max: no such file or directory");
    Write away = w("hugetlb.2MB.limit_in_bytes", "1", "linux.resources.hugepageLimits[0]");
    away.controller = "gone";
    CHECK(error_of([&] { apply_writes({away}, lookup); }) ==
          "linux.resources.hugepageLimits[0]: the gone cgroup controller is not available on this host");
}

TEST_CASE("writer: a refused write names resource, file and value")
{
    FakeTree t;
    t.dir("c/memory.limit_in_bytes");   // a directory: the write fails
    oci::util::unique_fd dir(::open(t.path("c").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    CHECK(error_of([&] {
              apply_writes({w("memory.limit_in_bytes", "1", "linux.resources.memory.limit")},
                           [&](const std::string&) { return dir.get(); });
          }) == "linux.resources.memory.limit: write 1 to memory.limit_in_bytes: is a directory");
    // Writes after a deferred one still run; only EINVAL defers.
    Write deferred = w("memory.limit_in_bytes", "1", "linux.resources.memory.limit");
    deferred.retry_after_next = true;
    CHECK_THAT(error_of([&] { apply_writes({deferred}, [&](const std::string&) { return dir.get(); }); }),
               Catch::EndsWith("is a directory"));
}
