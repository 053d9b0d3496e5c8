// T-PROCFS-1 (CVE-2025-52881, youki CVE-2025-62596): the runtime's /proc writes go through
// its verified procfs handle and never through something mounted over procfs. Each decoy
// is built in a child in a private mount namespace (root only); the child reports the
// first check that failed as its exit status.
#include <catch2/catch.hpp>

#include "linux/proc_fd.hpp"
#include "linux/process_attrs.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>

namespace {

std::string slurp(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

template <typename F> bool throws(F&& f)
{
    try {
        f();
    } catch (const oci::Error&) {
        return true;
    }
    return false;
}

// Runs body in a forked child in a private mount namespace; returns its exit status.
int in_private_mount_ns(const std::function<int()>& body)
{
    pid_t pid = ::fork();
    if (pid == 0) {
        if (::unshare(CLONE_NEWNS) < 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
            ::_exit(100);
        int rc = 101;
        try {
            rc = body();
        } catch (...) {
        }
        ::_exit(rc);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

} // namespace

TEST_CASE("T-PROCFS-1 the procfs handle is a procfs root", "[attack][procfs]")
{
    auto proc = oci::sys::open_trusted_proc();
    struct statfs sfs;
    struct stat st;
    REQUIRE(::fstatfs(proc.get(), &sfs) == 0);
    REQUIRE(::fstat(proc.get(), &st) == 0);
    CHECK(sfs.f_type == PROC_SUPER_MAGIC);
    CHECK(st.st_ino == 1);
}

TEST_CASE("T-PROCFS-1 decoys over /proc are refused, never written", "[attack][procfs]")
{
    if (::geteuid() != 0) {
        WARN("SKIP: needs root for a private mount namespace");
        return;
    }
    SECTION("(a) a tmpfs on /proc")
    {
        CHECK(in_private_mount_ns([] {
                  if (::mount("tmpfs", "/proc", "tmpfs", 0, nullptr) < 0)
                      return 1;
                  return throws([] { oci::sys::open_trusted_proc(); }) ? 0 : 2;
              }) == 0);
    }
    SECTION("(b) another procfs file bound over the target")
    {
        CHECK(in_private_mount_ns([] {
                  auto proc = oci::sys::open_trusted_proc();
                  std::string target = "/proc/" + std::to_string(::getpid()) + "/oom_score_adj";
                  if (::mount("/proc/self/sched", target.c_str(), nullptr, MS_BIND, nullptr) < 0)
                      return 1;
                  return throws([&] { oci::sys::set_oom_score_adj(proc.get(), 5); }) ? 0 : 2;
              }) == 0);
    }
    SECTION("(c) a tmpfs on /proc/sys/kernel with a domainname file or symlink")
    {
        char dir[] = "/tmp/ocirun-procfs-decoy.XXXXXX";
        REQUIRE(::mkdtemp(dir) != nullptr);
        std::string outside = std::string(dir) + "/outside";
        std::ofstream(outside) << "untouched\n";
        CHECK(in_private_mount_ns([&] {
                  auto proc = oci::sys::open_trusted_proc();
                  if (::mount("tmpfs", "/proc/sys/kernel", "tmpfs", 0, nullptr) < 0)
                      return 1;
                  std::ofstream("/proc/sys/kernel/domainname") << "decoy\n";
                  if (::symlink(outside.c_str(), "/proc/sys/kernel/hostname") < 0)
                      return 2;
                  oci::spec::StringMap sysctls{{"kernel.domainname", "written"}};
                  if (!throws([&] { oci::sys::apply_sysctls(proc.get(), sysctls); }))
                      return 3;
                  if (slurp("/proc/sys/kernel/domainname") != "decoy\n")
                      return 4;
                  oci::spec::StringMap via_link{{"kernel.hostname", "written"}};
                  if (!throws([&] { oci::sys::apply_sysctls(proc.get(), via_link); }))
                      return 5;
                  return 0;
              }) == 0);
        CHECK(slurp(outside) == "untouched\n");
        std::remove(outside.c_str());
        ::rmdir(dir);
    }
}
