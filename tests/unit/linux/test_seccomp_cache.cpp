// The compiled seccomp cache: a hit is used as it is, and a file that is not
// exactly what we wrote (bytes, size, mode, a symlink) or a directory that is
// not private is never trusted.
#include <catch2/catch.hpp>

#include "linux/seccomp_cache.hpp"
#include "util/fs.hpp"
#include "util/unique_fd.hpp"

#include <oci/spec.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

using oci::spec::Seccomp;
using oci::spec::SeccompSyscall;
using oci::sys::compile_seccomp;
using oci::sys::compile_seccomp_cached;
using oci::sys::open_seccomp_cache;
using oci::util::unique_fd;

namespace {

struct TempRoot {
    std::string path;
    unique_fd fd;
    TempRoot()
    {
        char tmpl[] = "/tmp/ocirun-scmp-cache.XXXXXX";
        path = ::mkdtemp(tmpl);
        fd.reset(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    }
    ~TempRoot()
    {
        unique_fd tmp(::open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        oci::util::remove_tree_at(tmp.get(), path.substr(5));
    }
};

Seccomp profile(uint32_t errno_ret)
{
    Seccomp s;
    s.default_action = "SCMP_ACT_ALLOW";
    s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"};
    SeccompSyscall deny;
    deny.names = {"mkdirat", "unshare"};
    deny.action = "SCMP_ACT_ERRNO";
    deny.errno_ret = errno_ret;
    s.syscalls.push_back(deny);
    return s;
}

// The one cache file's name and stat.
std::string only_file(const std::string& dir, struct stat& st)
{
    std::vector<std::string> names;
    DIR* d = ::opendir(dir.c_str());
    REQUIRE(d != nullptr);
    while (dirent* e = ::readdir(d))
        if (e->d_name[0] != '.')
            names.emplace_back(e->d_name);
    ::closedir(d);
    REQUIRE(names.size() == 1);
    REQUIRE(::lstat((dir + "/" + names[0]).c_str(), &st) == 0);
    return dir + "/" + names[0];
}

bool same_program(const oci::sys::SeccompProgram& a, const oci::sys::SeccompProgram& b)
{
    if (a.flags != b.flags || a.notify != b.notify || a.filter.size() != b.filter.size())
        return false;
    for (size_t i = 0; i < a.filter.size(); ++i)
        if (a.filter[i].code != b.filter[i].code || a.filter[i].jt != b.filter[i].jt ||
            a.filter[i].jf != b.filter[i].jf || a.filter[i].k != b.filter[i].k)
            return false;
    return true;
}

} // namespace

TEST_CASE("seccomp cache: the key tells profiles apart")
{
    CHECK(oci::sys::seccomp_cache_key(profile(1)) == oci::sys::seccomp_cache_key(profile(1)));
    CHECK(oci::sys::seccomp_cache_key(profile(1)) != oci::sys::seccomp_cache_key(profile(2)));
    Seccomp moved = profile(1);
    moved.syscalls[0].names = {"mkdirat", "unshare", ""};
    CHECK(oci::sys::seccomp_cache_key(profile(1)) != oci::sys::seccomp_cache_key(moved));
}

TEST_CASE("seccomp cache: a hit is the compiled program, and only an intact file of ours is used")
{
    TempRoot root;
    unique_fd dir = open_seccomp_cache(root.fd.get());
    REQUIRE(dir);
    std::string dir_path = root.path + "/" + oci::sys::kSeccompCacheDir;
    struct stat st;
    REQUIRE(::stat(dir_path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0700);

    Seccomp p = profile(1);
    auto compiled = compile_seccomp(p);
    CHECK(same_program(compile_seccomp_cached(p, dir.get()), compiled));
    std::string file = only_file(dir_path, st);
    CHECK((st.st_mode & 07777) == 0600);
    ino_t written = st.st_ino;

    // A hit reads the file and leaves it alone.
    CHECK(same_program(compile_seccomp_cached(p, dir.get()), compiled));
    only_file(dir_path, st);
    CHECK(st.st_ino == written);

    auto rewritten = [&] {
        struct stat now;
        only_file(dir_path, now);
        bool changed = now.st_ino != written;
        written = now.st_ino;
        CHECK((now.st_mode & 07777) == 0600);
        return changed;
    };

    SECTION("a changed byte (checksum) is a miss")
    {
        unique_fd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
        REQUIRE(::pwrite(fd.get(), "\xff", 1, static_cast<off_t>(st.st_size - 1)) == 1);
    }
    SECTION("a truncated file is a miss")
    {
        REQUIRE(::truncate(file.c_str(), st.st_size - 8) == 0);
    }
    SECTION("a file others may write is a miss")
    {
        REQUIRE(::chmod(file.c_str(), 0666) == 0);
    }
    SECTION("a symlink is a miss")
    {
        std::string real = root.path + "/elsewhere";
        REQUIRE(::rename(file.c_str(), real.c_str()) == 0);
        REQUIRE(::symlink(real.c_str(), file.c_str()) == 0);
    }
    CHECK(same_program(compile_seccomp_cached(p, dir.get()), compiled));
    CHECK(rewritten());
    // And the rewritten file is a hit again.
    CHECK(same_program(compile_seccomp_cached(p, dir.get()), compiled));
    CHECK_FALSE(rewritten());
}

TEST_CASE("seccomp cache: a directory that is not private, or a symlink, is not used")
{
    TempRoot root;
    std::string dir_path = root.path + "/" + oci::sys::kSeccompCacheDir;
    SECTION("mode 0755")
    {
        REQUIRE(::mkdir(dir_path.c_str(), 0755) == 0);
        REQUIRE(::chmod(dir_path.c_str(), 0755) == 0);
    }
    SECTION("a symlink to a private directory")
    {
        std::string real = root.path + "/real";
        REQUIRE(::mkdir(real.c_str(), 0700) == 0);
        REQUIRE(::symlink(real.c_str(), dir_path.c_str()) == 0);
    }
    CHECK_FALSE(open_seccomp_cache(root.fd.get()));
    // Without a cache the profile is still compiled.
    CHECK(same_program(compile_seccomp_cached(profile(1), -1), compile_seccomp(profile(1))));
}
