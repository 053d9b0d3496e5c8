#include "linux/self_seal.hpp"

#include "linux/overlay_view.hpp"
#include "util/unique_fd.hpp"

#include <oci/error.hpp>
#include <oci/log.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

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

// Returns only if the kernel refused.
void exec_fd(int fd, char** argv)
{
    ::syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
}

util::unique_fd sealed_memfd_copy(int exe)
{
    struct stat st;
    if (::fstat(exe, &st) < 0)
        throw_errno("stat /proc/self/exe");
    int memfd = ::memfd_create("ocirun", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (memfd < 0 && errno == EINVAL)   // kernels before 6.3 know no MFD_EXEC
        memfd = ::memfd_create("ocirun", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (memfd < 0)
        throw_errno("memfd_create");
    util::unique_fd copy(memfd);
    off_t offset = 0;
    while (offset < st.st_size) {
        ssize_t n = ::sendfile(copy.get(), exe, &offset, static_cast<size_t>(st.st_size - offset));
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
    return copy;
}

} // namespace

void ensure_running_sealed(char** argv)
{
    util::unique_fd exe(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    if (!exe)
        throw_errno("open /proc/self/exe");
    // Set by whoever executed us from the overlay view (we, or our entry point
    // before main). Whoever controls our environment controls us anyway, so the
    // marker only says which check to make, never that none is needed.
    const char* marker = std::getenv(kOverlayMarker);
    bool from_overlay = marker != nullptr;
    if (from_overlay) {
        bool at_entry = std::strcmp(marker, "entry") == 0;
        ::unsetenv(kOverlayMarker);
        if (on_readonly_overlay(exe.get())) {
            log_debug(at_entry ? "running from a read-only overlayfs view of the ocirun binary (re-executed at the "
                                 "program's entry point)"
                               : "running from a read-only overlayfs view of the ocirun binary");
            return;
        }
    }
    if (fd_sealed(exe.get())) {
        log_debug("running from a sealed memfd copy of the ocirun binary");
        return;
    }
    if (!from_overlay) {
        util::unique_fd view(open_running_view(exe.get()));
        if (view) {
            ::setenv(kOverlayMarker, "1", 1);
            exec_fd(view.get(), argv);
            ::unsetenv(kOverlayMarker);
            log_debug(std::string("cannot execute the overlayfs view of ocirun: ") + std::strerror(errno));
        }
    }
    util::unique_fd copy = sealed_memfd_copy(exe.get());
    exe.reset();
    exec_fd(copy.get(), argv);
    throw_errno("re-execute ocirun from its sealed copy");
}

} // namespace oci::sys
