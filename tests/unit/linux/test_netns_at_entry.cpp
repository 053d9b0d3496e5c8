// The entry point's guess from config.json text: a new network namespace
// (one without a path) and no user namespace in linux.namespaces.
#include <catch2/catch.hpp>

#include "linux/netns_at_entry.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <string>

namespace {

bool wants(const std::string& text)
{
    int fd = ::memfd_create("config", MFD_CLOEXEC);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
    bool out = oci::sys::config_wants_netns_at_entry(fd);
    ::close(fd);
    return out;
}

} // namespace

TEST_CASE("netns at entry: a new network namespace without a user namespace", "[netns]")
{
    CHECK(wants(R"({"linux":{"namespaces":[{"type":"pid"},{"type":"network"},{"type":"mount"}]}})"));
    CHECK(wants(R"({ "ociVersion" : "1.0.2", "process": {"user": {"uid": 0}},
                     "linux" : { "resources": {"devices": [{"type": "c", "allow": false}]},
                                 "namespaces" : [ { "type" : "network" , "path" : "" } ] } })"));
    // Keys in another order, escapes and nesting before the namespaces.
    CHECK(wants(R"({"annotations":{"a\"b":"{[\\"},"linux":{"sysctl":{"x":"]"},)"
                R"("namespaces":[{"path":"","type":"network"}],"seccomp":{"defaultAction":"SCMP_ACT_ERRNO"}}})"));
}

TEST_CASE("netns at entry: no guess where the namespace is not ours to make", "[netns]")
{
    CHECK_FALSE(wants(R"({"linux":{"namespaces":[{"type":"network","path":"/run/netns/x"}]}})"));
    CHECK_FALSE(wants(R"({"linux":{"namespaces":[{"type":"network"},{"type":"user"}]}})"));
    CHECK_FALSE(wants(R"({"linux":{"namespaces":[{"type":"pid"},{"type":"mount"}]}})"));
    CHECK_FALSE(wants(R"({"linux":{"resources":{}}})"));
    CHECK_FALSE(wants(R"({"process":{"args":["network"]}})"));
    // Only linux.namespaces counts, not a key of that name elsewhere.
    CHECK_FALSE(wants(R"({"annotations":{"namespaces":"x"},"x":{"namespaces":[{"type":"network"}]}})"));
    // Text that ends before the array does: no guess.
    CHECK_FALSE(wants(R"({"linux":{"namespaces":[{"type":"network"})"));
    CHECK_FALSE(wants(""));
    CHECK_FALSE(wants("not json"));
}

TEST_CASE("netns at entry: a long config is read in pieces", "[netns]")
{
    std::string padding(20000, 'x');
    CHECK(wants(R"({"process":{"env":[")" + padding + R"("]},"linux":{"namespaces":[{"type":"network"}]}})"));
    // The namespaces array split across the reader's pieces.
    std::string pad2(4096 - 30, ' ');
    CHECK(wants(R"({"linux":{)" + pad2 + R"("namespaces":[{"type":"net)" + std::string("work\"}]}}")));
}
