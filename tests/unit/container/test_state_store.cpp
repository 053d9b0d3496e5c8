#include <catch2/catch.hpp>

#include "container/state_store.hpp"
#include "util/fs.hpp"
#include "util/unique_fd.hpp"

#include <oci/error.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <cstdlib>
#include <string>
#include <vector>

using namespace oci::core;

namespace {

struct TempDir {
    std::string path;
    TempDir()
    {
        char tmpl[] = "/tmp/ocirun-unit.XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { std::system(("rm -rf " + path).c_str()); }
};

} // namespace

TEST_CASE("state record round-trips through JSON")
{
    Record r;
    r.id = "c1";
    r.status = oci::Status::created;
    r.pid = 4242;
    r.pid_start_time = 18446744073709551615ull;
    r.bundle = "/b \"quoted\"";
    r.rootfs = "/b/rootfs";
    r.created = "2026-01-01T00:00:00.000000000Z";
    r.owner_uid = 1000;
    r.own_pid_ns = false;
    r.oci_version = "1.3.0";
    r.annotations = {{"a", "1"}, {"b/c", "x y"}};
    r.cgroup = {{"memory", "/ocirun/c1"}, {"unified", "/ocirun/c1"}};
    Record back = record_from_json(record_to_json(r), "state.json");
    CHECK(back.id == r.id);
    CHECK(back.status == r.status);
    CHECK(back.pid == r.pid);
    CHECK(back.pid_start_time == r.pid_start_time);
    CHECK(back.bundle == r.bundle);
    CHECK(back.owner_uid == 1000);
    CHECK_FALSE(back.own_pid_ns);
    CHECK(back.annotations == r.annotations);
    CHECK(back.cgroup == r.cgroup);
    CHECK_THROWS_WITH(record_from_json("{", "x/state.json"), Catch::Contains("x/state.json: corrupt state file"));
}

TEST_CASE("the cgroup layout create found round-trips; a malformed one is dropped, not an error")
{
    oci::cgroups::Layout layout;
    layout.mode = oci::cgroups::Mode::hybrid;
    layout.v1 = {{"cpu,cpuacct", "/", {"cpu", "cpuacct"}, false}, {"systemd", "/sub", {"name=systemd"}, false}};
    layout.unified = oci::cgroups::Hierarchy{"unified", "/", {}, true};
    Record r;
    r.id = "c1";
    r.cgroup_layout = layout;
    Record back = record_from_json(record_to_json(r), "state.json");
    REQUIRE(back.cgroup_layout);
    CHECK(*back.cgroup_layout == layout);

    r.cgroup_layout.reset();
    CHECK_FALSE(record_from_json(record_to_json(r), "state.json").cgroup_layout);
    for (const char* bad : {R"({"id":"c1","cgroupLayout":{"mode":"other","v1":[]}})",
                            R"({"id":"c1","cgroupLayout":{"mode":"legacy"}})",
                            R"({"id":"c1","cgroupLayout":{"mode":"legacy","v1":[{"dir":"memory"}]}})",
                            R"({"id":"c1","cgroupLayout":{"mode":"legacy","v1":[{"dir":"m","mountRoot":"/","controllers":[1]}]}})"}) {
        INFO(bad);
        CHECK_FALSE(record_from_json(bad, "state.json").cgroup_layout);
    }
}

TEST_CASE("a dead or reused pid reads as stopped")
{
    Record r;
    r.status = oci::Status::running;
    r.pid = ::getpid();
    r.pid_start_time = process_start_time(::getpid());
    CHECK(r.pid_start_time != 0);
    CHECK(live_status(r) == oci::Status::running);
    r.pid_start_time += 1;   // same pid, another process
    CHECK(live_status(r) == oci::Status::stopped);
    r.pid = 0;
    CHECK(live_status(r) == oci::Status::stopped);
}

TEST_CASE("a creating record reads stopped once its init is gone")
{
    Record r;
    r.status = oci::Status::creating;
    CHECK(live_status(r) == oci::Status::creating);   // no init yet
    r.pid = ::getpid();
    r.pid_start_time = process_start_time(::getpid());
    CHECK(live_status(r) == oci::Status::creating);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0)
        ::_exit(0);
    REQUIRE(::waitpid(child, nullptr, 0) == child);
    CHECK(process_start_time(child) == 0);
    r.pid = child;
    CHECK(live_status(r) == oci::Status::stopped);
}

TEST_CASE("state dir: one reservation per id, removed with its contents")
{
    TempDir tmp;
    auto root = StateDir::open_root(tmp.path + "/root", true);
    auto dir = StateDir::reserve(root.get(), tmp.path + "/root", "c1");
    CHECK_THROWS_WITH(StateDir::reserve(root.get(), tmp.path + "/root", "c1"), "container ID already exists");
    CHECK_FALSE(dir.read().has_value());
    Record r;
    r.id = "c1";
    r.status = oci::Status::created;
    dir.write(r);
    REQUIRE(dir.read().has_value());
    // Created without exec.fifo: `start` has removed it, the container runs.
    CHECK(dir.read()->status == oci::Status::running);
    CHECK(read_record_unlocked(root.get(), "c1")->status == oci::Status::running);
    REQUIRE(::mkfifoat(dir.fd(), kExecFifo, 0600) == 0);
    CHECK(dir.read()->status == oci::Status::created);
    CHECK(read_record_unlocked(root.get(), "c1")->status == oci::Status::created);
    dir.remove(root.get());
    CHECK(::faccessat(root.get(), "c1", F_OK, 0) != 0);
    CHECK_FALSE(read_record_unlocked(root.get(), "c1").has_value());
}

namespace {

std::vector<std::string> entries(int dir_fd)
{
    std::vector<std::string> out;
    DIR* d = ::fdopendir(::dup(dir_fd));
    ::rewinddir(d);   // the dup shares the offset of earlier listings
    while (dirent* e = ::readdir(d))
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..")
            out.emplace_back(e->d_name);
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

ino_t inode_of(int fd)
{
    struct stat st {};
    REQUIRE(::fstat(fd, &st) == 0);
    return st.st_ino;
}

} // namespace

TEST_CASE("state dir: a removed directory is emptied, set aside, and taken by the next reservation")
{
    TempDir tmp;
    std::string path = tmp.path + "/root";
    auto root = StateDir::open_root(path, true);
    auto c1 = std::make_optional(StateDir::reserve(root.get(), path, "c1"));
    Record r;
    r.id = "c1";
    c1->write(r);
    REQUIRE(::mkfifoat(c1->fd(), kExecFifo, 0600) == 0);
    REQUIRE(::mkdirat(c1->fd(), "sub", 0700) == 0);
    ino_t first = inode_of(c1->fd());
    // Held as a reader or a waiting `delete` would hold it, from before the delete.
    oci::util::unique_fd held(::openat(root.get(), "c1", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(held);
    CHECK(still_named(root.get(), "c1", held.get()));

    c1->remove(root.get());
    c1.reset();   // the delete ends, and its lock with it
    CHECK(entries(root.get()) == std::vector<std::string>{kSpareDir});
    CHECK(entries(held.get()).empty());
    CHECK_FALSE(still_named(root.get(), "c1", held.get()));
    CHECK_FALSE(read_record_unlocked(root.get(), "c1").has_value());

    auto c2 = StateDir::reserve(root.get(), path, "c2");
    CHECK(inode_of(c2.fd()) == first);
    CHECK(entries(root.get()) == std::vector<std::string>{"c2"});
    r.id = "c2";
    c2.write(r);
    // What the old name's holder now sees belongs to c2: nothing of it may pass for c1.
    CHECK_FALSE(still_named(root.get(), "c1", held.get()));
    CHECK(still_named(root.get(), "c2", held.get()));
    CHECK_FALSE(StateDir::open_locked(root.get(), path, "c1").has_value());
    CHECK(read_record_unlocked(root.get(), "c2")->id == "c2");
    CHECK_THROWS_WITH(StateDir::reserve(root.get(), path, "c2"), "container ID already exists");

    // One spare at most: of two directories removed, the second goes.
    auto c3 = StateDir::reserve(root.get(), path, "c3");
    CHECK(inode_of(c3.fd()) != first);
    c2.remove(root.get());
    c3.remove(root.get());
    CHECK(entries(root.get()) == std::vector<std::string>{kSpareDir});
    CHECK(entries(c3.fd()).empty());
    struct stat st {};
    CHECK(::fstat(c3.fd(), &st) == 0);
    CHECK(st.st_nlink == 0);
}

TEST_CASE("write_file_atomic replaces a file and leaves no temporary behind")
{
    TempDir dir;
    oci::util::unique_fd dfd(::open(dir.path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(dfd);
    oci::util::write_file_atomic(dfd.get(), "state.json", "first", 0600);
    CHECK(oci::util::read_file(dir.path + "/state.json") == "first");
    struct stat before;
    REQUIRE(::stat((dir.path + "/state.json").c_str(), &before) == 0);
    oci::util::write_file_atomic(dfd.get(), "state.json", "second, longer", 0600);
    CHECK(oci::util::read_file(dir.path + "/state.json") == "second, longer");
    struct stat after;
    REQUIRE(::stat((dir.path + "/state.json").c_str(), &after) == 0);
    CHECK(after.st_ino != before.st_ino);   // a new file, never the old one rewritten
    CHECK((after.st_mode & 07777) == 0600);
    // Only state.json is left: the old content went with the temporary name.
    std::string listing;
    if (DIR* d = ::opendir(dir.path.c_str())) {
        while (dirent* e = ::readdir(d)) {
            std::string name = e->d_name;
            if (name != "." && name != "..")
                listing += name + " ";
        }
        ::closedir(d);
    }
    CHECK(listing == "state.json ");
}

TEST_CASE("write_file_atomic never moves a directory out of the way")
{
    TempDir dir;
    oci::util::unique_fd dfd(::open(dir.path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(dfd);
    REQUIRE(::mkdir((dir.path + "/pid").c_str(), 0700) == 0);
    CHECK_THROWS_AS(oci::util::write_file_atomic(dfd.get(), "pid", "42", 0644), oci::Error);
    struct stat st;
    REQUIRE(::stat((dir.path + "/pid").c_str(), &st) == 0);
    CHECK(S_ISDIR(st.st_mode));
}
