#include "linux/self_seal.hpp"

#include "util/unique_fd.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

extern char** environ;

namespace oci::sys {

namespace {

constexpr int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

bool fd_sealed(int fd)
{
    int seals = ::fcntl(fd, F_GET_SEALS);
    return seals >= 0 && (seals & kSeals) == kSeals;
}

} // namespace

bool running_sealed()
{
    util::unique_fd exe(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    return exe && fd_sealed(exe.get());
}

void ensure_running_sealed(char** argv)
{
    util::unique_fd exe(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    if (!exe)
        throw_errno("open /proc/self/exe");
    if (fd_sealed(exe.get()))
        return;
    struct stat st;
    if (::fstat(exe.get(), &st) < 0)
        throw_errno("stat /proc/self/exe");

    int memfd = ::memfd_create("ocirun", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (memfd < 0 && errno == EINVAL)   // kernels before 6.3 know no MFD_EXEC
        memfd = ::memfd_create("ocirun", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (memfd < 0)
        throw_errno("memfd_create");
    util::unique_fd copy(memfd);
    off_t offset = 0;
    while (offset < st.st_size) {
        ssize_t n = ::sendfile(copy.get(), exe.get(), &offset, static_cast<size_t>(st.st_size - offset));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("copy the ocirun binary into a memfd");
        }
        if (n == 0)
            break;
    }
    if (::fcntl(copy.get(), F_ADD_SEALS, kSeals) < 0)
        throw_errno("seal the ocirun memfd");
    exe.reset();
    ::syscall(SYS_execveat, copy.get(), "", argv, environ, AT_EMPTY_PATH);
    throw_errno("re-execute ocirun from its sealed copy");
}

} // namespace oci::sys
