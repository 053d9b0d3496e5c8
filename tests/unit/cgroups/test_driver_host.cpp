// The driver against this host's real cgroups (root only): a container-like
// lifecycle in cgroups of our own, removed at the end.
#include <catch2/catch.hpp>

#include "cgroups/driver.hpp"
#include "helpers.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <thread>

using namespace oci::cgroups;
using namespace oci::spec;
using cgroups_test::error_of;

namespace {

// Removes the test's parent cgroup from every hierarchy at scope exit.
struct ParentGuard {
    std::vector<std::string> dirs;
    ~ParentGuard()
    {
        for (const auto& d : dirs)
            ::rmdir(d.c_str());
    }
};

pid_t spawn_sleeper()
{
    pid_t pid = ::fork();
    if (pid == 0) {
        for (;;)
            ::pause();
    }
    return pid;
}

} // namespace

TEST_CASE("driver on this host: create, limit, join, freeze, stats, kill, destroy")
{
    if (::geteuid() != 0) {
        WARN("SKIP: needs root to create cgroups");
        return;
    }
    Layout layout;
    try {
        layout = detect_layout();
    } catch (const oci::Error& e) {
        WARN(std::string("SKIP: ") + e.what());
        return;
    }
    const std::string parent = "/ocirun-unit-" + std::to_string(::getpid());
    Placement placement = place(layout, parent + "/c1", "c1", oci::util::read_file("/proc/self/cgroup"));
    ParentGuard guard;
    for (const auto& [dir, path] : placement)
        guard.dirs.push_back("/sys/fs/cgroup" + (dir.empty() ? "" : "/" + dir) + parent);

    DriverOptions options;
    if (layout.mode == Mode::unified)
        options.enable_controllers = false;   // leave the host's delegation as it is
    auto d = make_driver(layout, placement, options);
    d->create();
    for (const auto& [dir, path] : placement)
        CHECK(::access(("/sys/fs/cgroup" + (dir.empty() ? "" : "/" + dir) + path).c_str(), F_OK) == 0);

    Resources r;
    r.pids = PidsResources{50};
    r.cpu = CpuResources{};
    r.cpu->shares = 512;
    if (layout.mode != Mode::unified) {
        r.memory = MemoryResources{};
        r.memory->limit = 64 << 20;
        if (::access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0)
            r.memory->swap = 128 << 20;
    }
    r.devices = {{false, "a", std::nullopt, std::nullopt, "rwm"}};
    d->apply(r);

    if (layout.mode != Mode::unified) {
        // Raising both limits over the current ones: memsw has to go first.
        Resources up;
        up.memory = MemoryResources{};
        up.memory->limit = 256 << 20;
        if (r.memory->swap)
            up.memory->swap = 512 << 20;
        CHECK_NOTHROW(d->update(up));
        CHECK(oci::util::read_file("/sys/fs/cgroup/memory" + placement.at("memory") + "/memory.limit_in_bytes") ==
              "268435456\n");
        // The kernel clamps cpu.shares; runc's read-back turns that into an error.
        Resources big;
        big.cpu = CpuResources{};
        big.cpu->shares = 300000;
        CHECK(error_of([&] { d->update(big); }) ==
              "linux.resources.cpu.shares: wrote 300000 to cpu.shares but the kernel set 262144 (the maximum it "
              "allows)");
        // A limit the kernel refuses names the resource, the file and the value.
        Resources bad;
        bad.pids = PidsResources{50};
        bad.cpu = CpuResources{};
        bad.cpu->cpus = "100000";
        CHECK(error_of([&] { d->update(bad); }) ==
              "linux.resources.cpu.cpus: write 100000 to cpuset.cpus: numerical result out of range");
    }

    pid_t child = spawn_sleeper();
    REQUIRE(child > 0);
    d->add_process(child);
    auto pids = d->pids();
    CHECK(std::find(pids.begin(), pids.end(), child) != pids.end());
    CHECK_FALSE(d->empty());

    d->freeze();
    CHECK(d->frozen());
    d->thaw();
    CHECK_FALSE(d->frozen());

    std::string stats = d->stats_json();
    CHECK_THAT(stats, Catch::Contains(R"("pids":{"current":1,"limit":50})"));

    d->kill_all(SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);

    d->destroy();
    for (const auto& [dir, path] : placement)
        CHECK(::access(("/sys/fs/cgroup" + (dir.empty() ? "" : "/" + dir) + path).c_str(), F_OK) != 0);
}

TEST_CASE("driver on this host: destroy kills what is left")
{
    if (::geteuid() != 0) {
        WARN("SKIP: needs root to create cgroups");
        return;
    }
    Layout layout;
    try {
        layout = detect_layout();
    } catch (const oci::Error& e) {
        WARN(std::string("SKIP: ") + e.what());
        return;
    }
    const std::string parent = "/ocirun-unit-" + std::to_string(::getpid());
    Placement placement = place(layout, parent + "/c2", "c2", "");
    ParentGuard guard;
    for (const auto& [dir, path] : placement)
        guard.dirs.push_back("/sys/fs/cgroup" + (dir.empty() ? "" : "/" + dir) + parent);
    DriverOptions options;
    options.enable_controllers = false;
    auto d = make_driver(layout, placement, options);
    d->create();
    pid_t child = spawn_sleeper();
    d->add_process(child);
    // destroy kills on EBUSY; reap concurrently so the cgroup can empty.
    std::thread reaper([child] { ::waitpid(child, nullptr, 0); });
    d->destroy();
    reaper.join();
    CHECK(d->pids().empty());
}
