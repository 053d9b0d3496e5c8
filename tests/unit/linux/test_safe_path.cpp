// safe_path against a hostile rootfs: every case runs twice, once through
// openat2 and once through the forced fallback walk, on a fresh temp tree
// each time; both must give the same answer, and the host directory next to
// the rootfs (and a few host paths the links aim at) must stay untouched.
#include <catch2/catch.hpp>

#include "linux/safe_path.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <stdexcept>
#include <string>

namespace {

namespace fs = std::filesystem;
using oci::util::unique_fd;

// Paths on the host that the rootfs's links point at; none may appear.
const char* const host_paths[] = {"/outside", "/nonexistent", "/new", "/hosts", "/x", "/y"};

// A temp dir holding rootfs/ (full of hostile links) and host-sentinel/ next to it.
class HostileRootfs {
public:
    HostileRootfs()
    {
        char tmpl[] = "/tmp/ocirun-safe-path-XXXXXX";
        if (!::mkdtemp(tmpl))
            throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
        base_ = tmpl;
        root_ = base_ + "/rootfs";
        fs::create_directories(base_ + "/host-sentinel/keep");
        std::ofstream(base_ + "/host-sentinel/marker") << "host";
        fs::create_directories(root_ + "/dir");
        std::ofstream(root_ + "/dir/file") << "content";

        link("/", "etc");                           // absolute, pointing "out" at /
        link("../../../..", "a");                   // relative, climbing far above the root
        link("../../../dir", "dir/up");             // relative from a subdirectory
        link("/", "dir/root");                      // absolute from a subdirectory
        link("/dir/file", "dir/abs");
        link("loop2", "loop1");                     // a loop of two
        link("loop1", "loop2");
        link("self", "self");                       // a loop of one
        link("/outside", "out");                    // last component, absolute, dangling
        link("/nonexistent/deeper", "dangling");    // dangling, two levels
        link("../host-sentinel", "escape");         // names the host dir next to the rootfs
        link(base_ + "/host-sentinel", "abs-escape"); // the host dir by its host path
        link("dir/../../../host-sentinel", "dotdot");
        // c0 -> c1 -> ... -> c40 -> dir: "c1" takes 40 links, "c0" one too many.
        for (int i = 0; i < 40; ++i)
            link("c" + std::to_string(i + 1), "c" + std::to_string(i));
        link("dir", "c40");

        fd_ = unique_fd(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!fd_)
            throw std::runtime_error("open rootfs: " + std::string(std::strerror(errno)));
    }
    HostileRootfs(const HostileRootfs&) = delete;
    HostileRootfs& operator=(const HostileRootfs&) = delete;
    ~HostileRootfs()
    {
        fd_.reset();
        std::error_code ec;
        fs::remove_all(base_, ec); // does not follow the links
    }

    int fd() const { return fd_.get(); }
    const std::string& root() const { return root_; }
    const std::string& base() const { return base_; }

    // Everything outside the rootfs that a wrong resolution could touch.
    std::set<std::string> host_view() const
    {
        std::set<std::string> seen;
        for (const auto& e : fs::directory_iterator(base_))
            seen.insert(e.path().filename().string());
        for (const auto& e : fs::recursive_directory_iterator(base_ + "/host-sentinel"))
            seen.insert(e.path().string().substr(base_.size()));
        for (const char* p : host_paths) {
            struct stat st {};
            if (::lstat(p, &st) == 0)
                seen.insert(p);
        }
        return seen;
    }

    // "dir rootfs/x", "file rootfs/dir/file", with the temp dir's name replaced by $BASE.
    std::string describe(int fd) const
    {
        struct stat st {};
        if (::fstat(fd, &st) < 0)
            return "fstat failed";
        const char* type = S_ISDIR(st.st_mode)   ? "dir"
                           : S_ISREG(st.st_mode) ? "file"
                           : S_ISLNK(st.st_mode) ? "link"
                                                 : "other";
        char buf[4096];
        ssize_t n = ::readlink(oci::sys::fd_path(fd).c_str(), buf, sizeof buf - 1);
        std::string where = n < 0 ? "?" : std::string(buf, static_cast<std::size_t>(n));
        for (std::size_t at; (at = where.find(base_)) != std::string::npos;)
            where.replace(at, base_.size(), "$BASE");
        if (where.rfind("$BASE/", 0) == 0)
            where.erase(0, 6);
        std::string out = std::string(type) + " " + where;
        if ((::fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0)
            out += " (no O_CLOEXEC)";
        return out;
    }

private:
    void link(const std::string& target, const std::string& name) const
    {
        if (::symlink(target.c_str(), (root_ + "/" + name).c_str()) < 0)
            throw std::runtime_error("symlink " + name + ": " + std::strerror(errno));
    }

    std::string base_;
    std::string root_;
    unique_fd fd_;
};

class FallbackForced {
public:
    explicit FallbackForced(bool on) { oci::sys::force_openat2_fallback(on); }
    ~FallbackForced() { oci::sys::force_openat2_fallback(false); }
    FallbackForced(const FallbackForced&) = delete;
    FallbackForced& operator=(const FallbackForced&) = delete;
};

using Op = std::function<unique_fd(const HostileRootfs&)>;

std::string outcome(const HostileRootfs& t, const Op& op)
{
    try {
        unique_fd fd = op(t);
        return fd ? t.describe(fd.get()) : "none";
    } catch (const oci::Error& e) {
        const char* name = ::strerrorname_np(e.code());
        return std::string("err ") + (name ? name : std::to_string(e.code()).c_str());
    }
}

// The outcome with openat2 ([0]) and with the fallback walk ([1]), each on a fresh tree.
std::array<std::string, 2> both_ways(const Op& op)
{
    std::array<std::string, 2> out;
    for (int i = 0; i < 2; ++i) {
        FallbackForced mode(i == 1);
        HostileRootfs t;
        auto before = t.host_view();
        out[static_cast<std::size_t>(i)] = outcome(t, op);
        INFO((i == 0 ? "openat2" : "fallback") << ": " << out[static_cast<std::size_t>(i)]);
        CHECK(t.host_view() == before);
    }
    return out;
}

Op open_op(std::string path, int flags, mode_t mode = 0)
{
    return [=](const HostileRootfs& t) { return oci::sys::open_in_root(t.fd(), path, flags, mode); };
}

Op if_exists_op(std::string path, int flags)
{
    return [=](const HostileRootfs& t) { return oci::sys::open_in_root_if_exists(t.fd(), path, flags); };
}

Op mkdir_op(std::string path, mode_t mode = 0755)
{
    return [=](const HostileRootfs& t) { return oci::sys::mkdir_all_in_root(t.fd(), path, mode); };
}

Op target_op(std::string path, bool is_dir)
{
    return [=](const HostileRootfs& t) { return oci::sys::ensure_mount_target(t.fd(), path, is_dir); };
}

} // namespace

// Both resolvers must agree, and agree with what we expect.
#define CHECK_BOTH(op, expected)                                                                   \
    do {                                                                                           \
        auto got_ = both_ways(op);                                                                 \
        INFO("openat2: " << got_[0] << " | fallback: " << got_[1]);                                \
        CHECK(got_[0] == got_[1]);                                                                 \
        CHECK(got_[1] == (expected));                                                              \
    } while (0)

TEST_CASE("safe_path: openat2 is used here, and the fallback can be forced")
{
    if (!oci::sys::openat2_usable())
        WARN("openat2 is not usable on this kernel: both runs below use the fallback walk");
    {
        FallbackForced forced(true);
        CHECK_FALSE(oci::sys::openat2_usable());
    }
    CHECK(oci::sys::fd_path(7) == "/proc/self/fd/7");
}

TEST_CASE("safe_path: absolute symlinks and .. stay inside the rootfs")
{
    CHECK_BOTH(open_op("/", O_PATH), "dir rootfs");
    CHECK_BOTH(open_op("", O_PATH), "dir rootfs");
    CHECK_BOTH(open_op("etc", O_PATH), "dir rootfs");
    CHECK_BOTH(open_op("/etc/../..", O_PATH), "dir rootfs");
    CHECK_BOTH(open_op("../../..", O_PATH | O_DIRECTORY), "dir rootfs");
    CHECK_BOTH(open_op("dir/../../../dir/file", O_RDONLY), "file rootfs/dir/file");
    CHECK_BOTH(open_op("a", O_PATH), "dir rootfs");
    CHECK_BOTH(open_op("a/dir/file", O_RDONLY), "file rootfs/dir/file");
    CHECK_BOTH(open_op("etc/etc/dir/up/up/file", O_RDONLY), "file rootfs/dir/file");
    CHECK_BOTH(open_op("dir/", O_PATH), "dir rootfs/dir");
    CHECK_BOTH(open_op("dir/abs", O_RDONLY), "file rootfs/dir/file");
    CHECK_BOTH(open_op("dir/root/dir/root/dir/abs", O_RDONLY), "file rootfs/dir/file");
    CHECK_BOTH(open_op("dir/root/..", O_PATH), "dir rootfs");
    CHECK_BOTH(open_op("escape", O_PATH), "err ENOENT");
    CHECK_BOTH(open_op("escape/marker", O_RDONLY), "err ENOENT");
    CHECK_BOTH(open_op("a/host-sentinel/marker", O_RDONLY), "err ENOENT");
    CHECK_BOTH(open_op("abs-escape/marker", O_RDONLY), "err ENOENT");
    CHECK_BOTH(open_op("dotdot", O_PATH), "err ENOENT");
}

TEST_CASE("safe_path: the last component is followed inside the rootfs unless O_NOFOLLOW")
{
    CHECK_BOTH(open_op("out", O_PATH), "err ENOENT");
    CHECK_BOTH(open_op("out", O_PATH | O_NOFOLLOW), "link rootfs/out");
    CHECK_BOTH(open_op("out", O_RDONLY | O_NOFOLLOW), "err ELOOP");
    CHECK_BOTH(open_op("out/", O_PATH | O_NOFOLLOW), "err ENOENT");
    CHECK_BOTH(open_op("etc", O_PATH | O_NOFOLLOW), "link rootfs/etc");
    CHECK_BOTH(open_op("etc/", O_PATH | O_NOFOLLOW), "dir rootfs");
}

TEST_CASE("safe_path: loops, dangling links and non-directories fail the lookup")
{
    CHECK_BOTH(open_op("loop1", O_PATH), "err ELOOP");
    CHECK_BOTH(open_op("loop1/x", O_PATH), "err ELOOP");
    CHECK_BOTH(open_op("self", O_RDONLY), "err ELOOP");
    CHECK_BOTH(open_op("dangling", O_PATH), "err ENOENT");
    CHECK_BOTH(open_op("dangling/x", O_PATH), "err ENOENT");
    CHECK_BOTH(open_op("dir/file/x", O_PATH), "err ENOTDIR");
    CHECK_BOTH(open_op("dir/file/", O_PATH), "err ENOTDIR");
    CHECK_BOTH(open_op("dir/file", O_RDONLY | O_DIRECTORY), "err ENOTDIR");
    CHECK_BOTH(open_op("dir/missing/x", O_PATH), "err ENOENT");
}

TEST_CASE("safe_path: open_in_root_if_exists gives no fd for a missing name and fails as open_in_root otherwise")
{
    CHECK_BOTH(if_exists_op("dir/file", O_RDONLY), "file rootfs/dir/file");
    CHECK_BOTH(if_exists_op("a/dir/file", O_PATH), "file rootfs/dir/file");
    CHECK_BOTH(if_exists_op("missing", O_PATH), "none");
    CHECK_BOTH(if_exists_op("dir/missing/x", O_PATH), "none");
    CHECK_BOTH(if_exists_op("dangling", O_PATH), "none");
    CHECK_BOTH(if_exists_op("escape/marker", O_RDONLY), "none");
    CHECK_BOTH(if_exists_op("loop1", O_PATH), "err ELOOP");
    CHECK_BOTH(if_exists_op("dir/file/x", O_PATH), "err ENOTDIR");
    CHECK_BOTH(if_exists_op(std::string("dir\0x", 5), O_PATH), "err EINVAL");
}

TEST_CASE("safe_path: at most 40 symlinks are followed, like the kernel")
{
    CHECK_BOTH(open_op("c1/file", O_RDONLY), "file rootfs/dir/file");
    CHECK_BOTH(open_op("c1", O_PATH), "dir rootfs/dir");
    CHECK_BOTH(open_op("c0", O_PATH), "err ELOOP");
    CHECK_BOTH(open_op("c0/file", O_PATH), "err ELOOP");
}

TEST_CASE("safe_path: O_CREAT through open_in_root creates inside the rootfs only")
{
    CHECK_BOTH(open_op("a/new", O_WRONLY | O_CREAT | O_EXCL, 0600), "file rootfs/new");
    CHECK_BOTH(open_op("out", O_WRONLY | O_CREAT, 0600), "file rootfs/outside");
    CHECK_BOTH(open_op("out", O_WRONLY | O_CREAT | O_EXCL, 0600), "err EEXIST");
    CHECK_BOTH(open_op("out", O_WRONLY | O_CREAT | O_NOFOLLOW, 0600), "err ELOOP");
    CHECK_BOTH(open_op("dangling", O_WRONLY | O_CREAT, 0600), "err ENOENT");
    CHECK_BOTH(open_op("escape/x", O_WRONLY | O_CREAT, 0600), "err ENOENT");
    CHECK_BOTH(open_op("dir/file", O_RDONLY | O_CREAT, 0600), "file rootfs/dir/file");
}

TEST_CASE("safe_path: procfs magic links are refused, plain procfs links followed")
{
    // The host's /proc as the root: both resolvers must refuse the same links.
    auto in_proc = [](std::string path) {
        return [path](const HostileRootfs&) {
            unique_fd proc(::open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
            return oci::sys::open_in_root(proc.get(), path, O_PATH);
        };
    };
    std::string self = "/proc/" + std::to_string(::getpid());
    std::string thread = self + "/task/" + std::to_string(::gettid());
    CHECK_BOTH(in_proc("self/status"), "file " + self + "/status");
    CHECK_BOTH(in_proc("thread-self/status"), "file " + thread + "/status");
    CHECK_BOTH(in_proc("self/fd"), "dir " + self + "/fd");
    CHECK_BOTH(in_proc("mounts"), "file " + self + "/mounts");
    CHECK_BOTH(in_proc("self/exe"), "err ELOOP");
    CHECK_BOTH(in_proc("self/root/etc"), "err ELOOP");
    CHECK_BOTH(in_proc("self/fd/0"), "err ELOOP");
    CHECK_BOTH(in_proc("thread-self/cwd"), "err ELOOP");
}

TEST_CASE("safe_path: errors name the path inside the container")
{
    for (bool fallback : {false, true}) {
        INFO((fallback ? "fallback" : "openat2"));
        FallbackForced mode(fallback);
        HostileRootfs t;
        try {
            oci::sys::open_in_root(t.fd(), "/etc/passwd", O_RDONLY);
            FAIL("no exception");
        } catch (const oci::Error& e) {
            CHECK(std::string(e.what()) == "open /etc/passwd in rootfs: no such file or directory");
            CHECK(e.code() == ENOENT);
        }
        try {
            oci::sys::mkdir_all_in_root(t.fd(), "dir/file/sub", 0755);
            FAIL("no exception");
        } catch (const oci::Error& e) {
            CHECK(std::string(e.what()) == "mkdir /dir/file/sub in rootfs: not a directory");
        }
        try {
            oci::sys::ensure_mount_target(t.fd(), "loop1/x", true);
            FAIL("no exception");
        } catch (const oci::Error& e) {
            CHECK(std::string(e.what()) ==
                  "create mount target /loop1/x in rootfs: too many levels of symbolic links");
        }
    }
}

TEST_CASE("safe_path: mkdir_all_in_root creates missing directories inside the rootfs")
{
    CHECK_BOTH(mkdir_op("dir"), "dir rootfs/dir");
    CHECK_BOTH(mkdir_op("/"), "dir rootfs");
    CHECK_BOTH(mkdir_op("new/deeper/"), "dir rootfs/new/deeper");
    CHECK_BOTH(mkdir_op("etc/new/deeper"), "dir rootfs/new/deeper");
    CHECK_BOTH(mkdir_op("../../x/../y"), "dir rootfs/y");
    CHECK_BOTH(mkdir_op("a/host-sentinel/new"), "dir rootfs/host-sentinel/new");
    CHECK_BOTH(mkdir_op("escape/new"), "dir rootfs/host-sentinel/new");
    CHECK_BOTH(mkdir_op("dotdot/new"), "dir rootfs/host-sentinel/new");
    CHECK_BOTH(mkdir_op("abs-escape/new"), "dir rootfs$BASE/host-sentinel/new");
    CHECK_BOTH(mkdir_op("out"), "dir rootfs/outside");
    CHECK_BOTH(mkdir_op("dir/root/new"), "dir rootfs/new");
    // Policy: a dangling intermediate link is followed, and what it names is created in the rootfs.
    CHECK_BOTH(mkdir_op("dangling/x"), "dir rootfs/nonexistent/deeper/x");
    CHECK_BOTH(mkdir_op("loop1/x"), "err ELOOP");
    CHECK_BOTH(mkdir_op("c0/x"), "err ELOOP");
    CHECK_BOTH(mkdir_op("dir/file"), "err ENOTDIR");
    CHECK_BOTH(mkdir_op("dir/file/x"), "err ENOTDIR");
    CHECK_BOTH(mkdir_op("etc/dir/new"), "dir rootfs/dir/new");
    CHECK_BOTH(mkdir_op("dir/missing/.."), "dir rootfs/dir");
}

TEST_CASE("safe_path: mkdir_all_in_root uses the mode it is given")
{
    mode_t old = ::umask(022);
    auto check_mode = [](const HostileRootfs& t) {
        unique_fd fd = oci::sys::mkdir_all_in_root(t.fd(), "etc/m1/m2", 0710);
        struct stat st {};
        REQUIRE(::stat((t.root() + "/m1").c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0710);
        REQUIRE(::fstat(fd.get(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0710);
        return fd;
    };
    CHECK_BOTH(check_mode, "dir rootfs/m1/m2");
    ::umask(old);
}

TEST_CASE("safe_path: ensure_mount_target creates files and directories inside the rootfs")
{
    auto empty_file = [](std::string path) {
        return [path](const HostileRootfs& t) {
            unique_fd fd = oci::sys::ensure_mount_target(t.fd(), path, false);
            struct stat st {};
            REQUIRE(::fstat(fd.get(), &st) == 0);
            CHECK(st.st_size == 0);
            CHECK((st.st_mode & 0777) == (0644 & ~022 & 0777));
            return fd;
        };
    };
    mode_t old = ::umask(022);
    CHECK_BOTH(empty_file("out"), "file rootfs/outside");
    CHECK_BOTH(empty_file("etc/hosts"), "file rootfs/hosts");
    CHECK_BOTH(empty_file("a/etc/new/deeper/file"), "file rootfs/new/deeper/file");
    CHECK_BOTH(empty_file("dangling"), "file rootfs/nonexistent/deeper");
    CHECK_BOTH(empty_file("escape/marker"), "file rootfs/host-sentinel/marker");
    ::umask(old);

    CHECK_BOTH(target_op("out", true), "dir rootfs/outside");
    CHECK_BOTH(target_op("/proc", true), "dir rootfs/proc");
    CHECK_BOTH(target_op("a/sys/fs/cgroup", true), "dir rootfs/sys/fs/cgroup");
    CHECK_BOTH(target_op("abs-escape/keep", true), "dir rootfs$BASE/host-sentinel/keep");
    CHECK_BOTH(target_op("etc", true), "dir rootfs");
    CHECK_BOTH(target_op("loop1", false), "err ELOOP");
    CHECK_BOTH(target_op("self", true), "err ELOOP");
    CHECK_BOTH(target_op("dir/file/x", false), "err ENOTDIR");
    // Only the last component missing: openat2 resolves the parent, the rest as before.
    CHECK_BOTH(target_op("dir/new", true), "dir rootfs/dir/new");
    CHECK_BOTH(target_op("etc/dir/new", false), "file rootfs/dir/new");
    CHECK_BOTH(target_op("dir/missing/..", true), "dir rootfs/dir");
}

TEST_CASE("safe_path: ensure_mount_target keeps what exists, of either type")
{
    auto untouched = [](bool is_dir) {
        return [is_dir](const HostileRootfs& t) {
            unique_fd fd = oci::sys::ensure_mount_target(t.fd(), "dir/up/up/file", is_dir);
            std::ifstream in(t.root() + "/dir/file");
            std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            CHECK(content == "content"); // never truncated
            return fd;
        };
    };
    CHECK_BOTH(untouched(false), "file rootfs/dir/file");
    CHECK_BOTH(untouched(true), "file rootfs/dir/file"); // wrong type: the mount will refuse it
    CHECK_BOTH(target_op("dir", false), "dir rootfs/dir");
    CHECK_BOTH(target_op("c1", false), "dir rootfs/dir");
}
