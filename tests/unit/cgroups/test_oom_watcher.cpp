// The cgroup2 OOM watcher on a test tree: memory.events is a plain file,
// whose writes inotify reports as the kernel's updates are.
#include <catch2/catch.hpp>

#include "cgroups/oom_watcher.hpp"
#include "helpers.hpp"

#include <poll.h>

using namespace oci::cgroups;
using cgroups_test::error_of;
using cgroups_test::FakeTree;

namespace {

bool readable(int fd)
{
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
}

} // namespace

TEST_CASE("v2 OOM watcher counts oom_kill increases from when the watch began")
{
    FakeTree tree;
    tree.files("c", {"memory.events"}, "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n");
    auto watcher = watch_oom_v2(tree.path("c"));
    CHECK_FALSE(readable(watcher->fd()));
    CHECK(watcher->count() == 0);   // the kill before the watch is not news

    tree.put("c/memory.events", "low 0\nhigh 0\nmax 9\noom 3\noom_kill 3\n");
    CHECK(readable(watcher->fd()));
    CHECK(watcher->count() == 2);
    CHECK_FALSE(readable(watcher->fd()));
    CHECK(watcher->count() == 0);

    // "max" and "oom" alone (the limit was hit, nothing killed) are no OOM kill.
    tree.put("c/memory.events", "low 0\nhigh 0\nmax 12\noom 4\noom_kill 3\n");
    CHECK(watcher->count() == 0);
}

TEST_CASE("v2 OOM watcher: a cgroup that goes away counts nothing more")
{
    FakeTree tree;
    tree.files("c", {"memory.events"}, "oom_kill 2\n");
    auto watcher = watch_oom_v2(tree.path("c"));
    ::unlink(tree.path("c/memory.events").c_str());
    CHECK(watcher->count() == 0);
}

TEST_CASE("OOM watchers name the file they cannot use")
{
    FakeTree tree;
    tree.dir("c");
    CHECK_THAT(error_of([&] { watch_oom_v2(tree.path("c")); }), Catch::Contains("c/memory.events"));
    CHECK_THAT(error_of([&] { watch_oom_v1(tree.path("c")); }), Catch::Contains("c/memory.oom_control"));
}
