#include "linux/overlay_view.hpp"

#include "linux/netns_at_entry.hpp"
#include "linux/raw_syscall.hpp"

#include <oci/early.hpp>
#include <oci/runtime.hpp>

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>   // ST_RDONLY, as statfs reports it in f_flags
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace oci::sys {

namespace {

OCI_EARLY long arg(const void* p)
{
    return reinterpret_cast<long>(p);
}

OCI_EARLY void close_fd(int fd)
{
    raw_syscall(SYS_close, fd);
}

OCI_EARLY bool set_string(int ctx, const char* key, const char* value)
{
    return raw_syscall(SYS_fsconfig, ctx, FSCONFIG_SET_STRING, arg(key), arg(value), 0) == 0;
}

// Kernels before 6.8 know no "lowerdir+" and take the layers as one string,
// where ':', ',' and '\' are special. Returns false if it does not fit.
OCI_EARLY bool escaped_layers(const char* top, const char* bottom, char* out, unsigned long room)
{
    unsigned long n = 0;
    for (const char* c = top; *c != '\0'; ++c) {
        if (n + 3 >= room)
            return false;
        if (*c == ':' || *c == ',' || *c == '\\')
            out[n++] = '\\';
        out[n++] = *c;
    }
    if (n + 1 >= room)
        return false;
    out[n++] = ':';
    for (const char* c = bottom; *c != '\0'; ++c) {
        if (n + 1 >= room)
            return false;
        out[n++] = *c;
    }
    out[n] = '\0';
    return true;
}

// An overlay of the binary's directory, with `bottom` as the second layer
// that a lower-only overlay needs: any directory that does not overlap the
// first will do, since only the binary's name is ever looked up (and the
// detached mount's root is reachable from nowhere). -1 if the kernel refuses.
OCI_EARLY int mount_view(const char* dir, const char* bottom)
{
    int ctx = static_cast<int>(raw_syscall(SYS_fsopen, arg("overlay"), FSOPEN_CLOEXEC));
    if (ctx < 0)
        return -1;
    bool layers;
    if (set_string(ctx, "lowerdir+", dir)) {
        layers = set_string(ctx, "lowerdir+", bottom);
    } else {
        char joined[2 * 4096 + 8];
        layers = escaped_layers(dir, bottom, joined, sizeof joined) && set_string(ctx, "lowerdir", joined);
    }
    int mnt = -1;
    if (layers && raw_syscall(SYS_fsconfig, ctx, FSCONFIG_CMD_CREATE, 0, 0, 0) == 0)
        mnt = static_cast<int>(raw_syscall(SYS_fsmount, ctx, FSMOUNT_CLOEXEC,
                                           MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID));
    close_fd(ctx);
    return mnt < 0 ? -1 : mnt;
}

// The binary that /proc/self/exe names must still be the one running (not
// replaced since by an upgrade) for the overlay to show the same program.
OCI_EARLY bool same_file(int a, int b)
{
    struct stat sa, sb;
    return raw_syscall(SYS_fstat, a, arg(&sa)) == 0 && raw_syscall(SYS_fstat, b, arg(&sb)) == 0 &&
           sa.st_size == sb.st_size && sa.st_mode == sb.st_mode && sa.st_mtim.tv_sec == sb.st_mtim.tv_sec &&
           sa.st_mtim.tv_nsec == sb.st_mtim.tv_nsec;
}

OCI_EARLY bool contains(const char* text, const char* part)
{
    for (; *text != '\0'; ++text) {
        const char* t = text;
        const char* p = part;
        while (*p != '\0' && *t == *p) {
            ++t;
            ++p;
        }
        if (*p == '\0')
            return true;
    }
    return false;
}

} // namespace

// An overlayfs without an upper layer can never be written, whatever is done
// to the mount: unlike a read-only bind mount, which CAP_SYS_ADMIN can clone
// and make writable.
OCI_EARLY bool on_readonly_overlay(int fd)
{
    struct statfs fs;
    return raw_syscall(SYS_fstatfs, fd, arg(&fs)) == 0 && fs.f_type == OVERLAYFS_SUPER_MAGIC &&
           (fs.f_flags & ST_RDONLY) != 0;
}

namespace {

// The file `exe_path` (what /proc/self/exe names) through the view.
OCI_EARLY int open_overlay_view(const char* exe_path, int exe_fd, int* mount_out)
{
    if (contains(exe_path, " (deleted)"))
        return -1;
    char dir[4096];
    unsigned long slash = 0, n = 0;
    for (; exe_path[n] != '\0'; ++n) {
        if (n + 1 >= sizeof dir)
            return -1;
        dir[n] = exe_path[n];
        if (exe_path[n] == '/')
            slash = n;
    }
    if (n == 0 || exe_path[0] != '/')
        return -1;
    const char* name = exe_path + slash + 1;
    dir[slash == 0 ? 1 : slash] = '\0';
    // No array of the two names: its pointers would need relocating.
    int mnt = mount_view(dir, "/sys");
    if (mnt < 0)
        mnt = mount_view(dir, "/dev");   // the binary lives under /sys: the layers overlapped
    if (mnt < 0)
        return -1;
    int file = static_cast<int>(raw_syscall(SYS_openat, mnt, arg(name), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (file >= 0 && mount_out != nullptr)
        *mount_out = mnt;
    else
        close_fd(mnt);
    if (file < 0)
        return -1;
    if (on_readonly_overlay(file) && same_file(file, exe_fd))
        return file;
    close_fd(file);
    if (mount_out != nullptr) {
        close_fd(*mount_out);
        *mount_out = -1;
    }
    return -1;
}

} // namespace

OCI_EARLY int open_running_view(int exe_fd, int* mount_out)
{
    char path[4096];
    long n = raw_syscall(SYS_readlinkat, AT_FDCWD, arg("/proc/self/exe"), arg(path), sizeof path - 1);
    if (n <= 0)
        return -1;
    path[n] = '\0';
    return open_overlay_view(path, exe_fd, mount_out);
}

OCI_EARLY void exec_overlay_view(char** argv, char** envp, const char* netns_bundle)
{
    constexpr unsigned long kMarkerLength = sizeof kOverlayMarker - 1;
    constexpr unsigned long kMaxEnv = 4096;
    char* env[kMaxEnv + 3];
    unsigned long count = 0;
    for (; envp[count] != nullptr; ++count) {
        const char* e = envp[count];
        unsigned long i = 0;
        while (i < kMarkerLength && e[i] == kOverlayMarker[i])
            ++i;
        if (i == kMarkerLength && e[i] == '=')
            return;   // the re-executed image
        if (count == kMaxEnv)
            return;
        env[count] = envp[count];
    }
    env[count++] = const_cast<char*>(kOverlayMarkerAtEntry);

    // Started before the view is made: the child's work overlaps that too.
    NetnsAtEntry netns;
    char netns_env[64];
    if (netns_bundle != nullptr) {
        netns = start_netns_at_entry(netns_bundle);
        if (netns.pid > 0 && netns_at_entry_env(netns, netns_env, sizeof netns_env)) {
            env[count++] = netns_env;
        } else {
            abandon_netns_at_entry(netns);
            netns = NetnsAtEntry();
        }
    }
    env[count] = nullptr;

    int exe = static_cast<int>(raw_syscall(SYS_openat, AT_FDCWD, arg("/proc/self/exe"), O_RDONLY | O_CLOEXEC));
    int mount = -1;
    int view = exe < 0 ? -1 : open_running_view(exe, netns.pid > 0 ? &mount : nullptr);
    if (exe >= 0)
        close_fd(exe);
    if (mount >= 0) {
        park_with_netns_maker(netns, mount);
        close_fd(mount);
    }
    if (view >= 0) {
        raw_syscall(SYS_execveat, view, arg(""), arg(argv), arg(env), AT_EMPTY_PATH);
        close_fd(view);
    }
    abandon_netns_at_entry(netns);
}

} // namespace oci::sys

namespace oci {

OCI_EARLY void reexec_sealed_at_entry(char** argv, char** envp, const char* netns_bundle)
{
#if defined(__x86_64__) || defined(__aarch64__)
    sys::exec_overlay_view(argv, envp, netns_bundle);
#else
    (void)argv;
    (void)envp;
    (void)netns_bundle;
#endif
}

} // namespace oci
