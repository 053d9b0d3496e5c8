#include "linux/self_seal.hpp"

#include "util/unique_fd.hpp"

#include <oci/error.hpp>
#include <oci/log.hpp>

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
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

// Set across the re-execution from an overlay, checked (and removed) by the
// new image. Whoever controls our environment controls us anyway (LD_*), so
// the marker only says which check to make, never that none is needed.
constexpr const char* kOverlayMarker = "_OCIRUN_EXE_OVERLAY";

bool fd_sealed(int fd)
{
    int seals = ::fcntl(fd, F_GET_SEALS);
    return seals >= 0 && (seals & kSeals) == kSeals;
}

// An overlayfs without an upper layer can never be written, whatever is
// done to the mount: unlike a read-only bind mount, which CAP_SYS_ADMIN
// can clone and make writable.
bool on_readonly_overlay(int fd)
{
    struct statfs fs;
    struct statvfs vfs;
    return ::fstatfs(fd, &fs) == 0 && fs.f_type == OVERLAYFS_SUPER_MAGIC && ::fstatvfs(fd, &vfs) == 0 &&
           (vfs.f_flag & ST_RDONLY) != 0;
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

bool set_layer(int ctx, const std::string& dir)
{
    return ::syscall(SYS_fsconfig, ctx, FSCONFIG_SET_STRING, "lowerdir+", dir.c_str(), 0) == 0;
}

// Kernels before 6.8 take the layers as one string, where ':', ',' and '\'
// are special.
std::string escaped_layers(const std::string& top, const std::string& bottom)
{
    std::string out;
    for (char c : top) {
        if (c == ':' || c == ',' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + ":" + bottom;
}

// A file's directory in a detached, read-only overlayfs of its own: opening
// the binary through it costs a mount, not a copy. The lower-only overlay
// needs a second layer; any directory that does not overlap the first does,
// since only the binary's name is ever looked up (and the detached mount's
// root is reachable from nowhere).
util::unique_fd open_through_overlay(const std::string& path)
{
    auto slash = path.rfind('/');
    if (slash == std::string::npos || path.find(" (deleted)") != std::string::npos)
        return {};
    std::string dir = slash == 0 ? "/" : path.substr(0, slash);
    std::string name = path.substr(slash + 1);
    for (const char* bottom : {"/sys", "/dev"}) {
        util::unique_fd ctx(static_cast<int>(::syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC)));
        if (!ctx)
            return {};   // no overlayfs, or no right to mount one (rootless)
        bool layers = set_layer(ctx.get(), dir) ? set_layer(ctx.get(), bottom)
                                                : ::syscall(SYS_fsconfig, ctx.get(), FSCONFIG_SET_STRING, "lowerdir",
                                                            escaped_layers(dir, bottom).c_str(), 0) == 0;
        if (!layers || ::syscall(SYS_fsconfig, ctx.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
            continue;   // e.g. the binary lives under this layer: the layers overlap
        util::unique_fd mnt(static_cast<int>(::syscall(SYS_fsmount, ctx.get(), FSMOUNT_CLOEXEC,
                                                       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID)));
        if (!mnt)
            return {};
        util::unique_fd file(::openat(mnt.get(), name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!file || !on_readonly_overlay(file.get()))
            return {};
        return file;
    }
    return {};
}

// The binary that /proc/self/exe names must still be the one running (not
// replaced since by an upgrade) for the overlay to show the same program.
bool same_file(int a, int b)
{
    struct stat sa, sb;
    return ::fstat(a, &sa) == 0 && ::fstat(b, &sb) == 0 && sa.st_size == sb.st_size &&
           sa.st_mode == sb.st_mode && sa.st_mtim.tv_sec == sb.st_mtim.tv_sec &&
           sa.st_mtim.tv_nsec == sb.st_mtim.tv_nsec;
}

} // namespace

void ensure_running_sealed(char** argv)
{
    util::unique_fd exe(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    if (!exe)
        throw_errno("open /proc/self/exe");
    bool from_overlay = std::getenv(kOverlayMarker) != nullptr;
    if (from_overlay) {
        ::unsetenv(kOverlayMarker);
        if (on_readonly_overlay(exe.get())) {
            log_debug("running from a read-only overlayfs view of the ocirun binary");
            return;
        }
    }
    if (fd_sealed(exe.get())) {
        log_debug("running from a sealed memfd copy of the ocirun binary");
        return;
    }
    if (!from_overlay) {
        char path[PATH_MAX];
        ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
        if (n > 0) {
            path[n] = '\0';
            util::unique_fd view = open_through_overlay(path);
            if (view && same_file(view.get(), exe.get())) {
                ::setenv(kOverlayMarker, "1", 1);
                exec_fd(view.get(), argv);
                ::unsetenv(kOverlayMarker);
                log_debug(std::string("cannot execute the overlayfs view of ocirun: ") + std::strerror(errno));
            }
        }
    }
    util::unique_fd copy = sealed_memfd_copy(exe.get());
    exe.reset();
    exec_fd(copy.get(), argv);
    throw_errno("re-execute ocirun from its sealed copy");
}

} // namespace oci::sys
