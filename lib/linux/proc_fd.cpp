#include "linux/proc_fd.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

namespace oci::sys {

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

} // namespace oci::sys
