#include "linux/proc_fd.hpp"

#include "util/fs.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace oci::sys {

namespace {

// The mount an fd is on; 0 when the kernel cannot tell (before 5.8).
uint64_t mount_id(int fd)
{
    struct statx sx{};
    if (::statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) < 0 || !(sx.stx_mask & STATX_MNT_ID))
        return 0;
    return sx.stx_mnt_id;
}

int open_beneath(int proc_fd, const std::string& rel, int flags)
{
    open_how how{};
    how.flags = static_cast<uint64_t>(static_cast<unsigned>(flags | O_CLOEXEC | O_NOFOLLOW));
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS;
    long fd = ::syscall(SYS_openat2, proc_fd, rel.c_str(), &how, sizeof how);
    if (fd >= 0 || (errno != ENOSYS && errno != EPERM && errno != E2BIG))
        return static_cast<int>(fd);
    // openat2 is missing or filtered: the checks after the open do the work.
    return ::openat(proc_fd, rel.c_str(), flags | O_CLOEXEC | O_NOFOLLOW);
}

} // namespace

util::unique_fd open_trusted_proc()
{
    util::unique_fd fd(::open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd)
        throw_errno("open /proc");
    struct statfs sfs;
    struct stat st;
    if (::fstatfs(fd.get(), &sfs) < 0 || ::fstat(fd.get(), &st) < 0)
        throw_errno("stat /proc");
    if (sfs.f_type != PROC_SUPER_MAGIC || st.st_ino != 1)
        throw Error("/proc is not the root of a procfs");
    return fd;
}

util::unique_fd open_proc_file(int proc_fd, const std::string& rel, int flags)
{
    std::string what = "open /proc/" + rel;
    util::unique_fd fd(open_beneath(proc_fd, rel, flags));
    if (!fd)
        throw_errno(what);
    struct statfs sfs;
    if (::fstatfs(fd.get(), &sfs) < 0)
        throw_errno(what);
    uint64_t root_mnt = mount_id(proc_fd);
    if (sfs.f_type != PROC_SUPER_MAGIC || (root_mnt != 0 && mount_id(fd.get()) != root_mnt))
        throw Error(what + ": something is mounted over it; refusing to write there", EXDEV);
    return fd;
}

void write_proc_file(int proc_fd, const std::string& rel, std::string_view data)
{
    util::unique_fd fd = open_proc_file(proc_fd, rel, O_WRONLY);
    util::write_all(fd.get(), data, "/proc/" + rel);
}

} // namespace oci::sys
