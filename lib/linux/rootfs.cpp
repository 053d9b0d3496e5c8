// Mount sequence of the container's root filesystem.
#include "linux/rootfs.hpp"

#include "linux/cgroup_mount.hpp"
#include "linux/detached_mount.hpp"
#include "linux/mount_options.hpp"
#include "linux/safe_path.hpp"
#include "util/fault_point.hpp"
#include "util/unique_fd.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace oci::sys {

namespace {

std::string absolute_source(const spec::Mount& m, const std::string& bundle)
{
    if (m.source.empty() || m.source[0] == '/')
        return m.source;
    return bundle + "/" + m.source;
}

bool is_bind(const spec::Mount& m, const MountOptions& opts)
{
    return m.type == "bind" || opts.is_bind();
}

void remount_bind(int root_fd, const spec::Mount& m, unsigned long flags)
{
    auto fd = open_in_root(root_fd, m.destination, O_PATH);
    std::string target = fd_path(fd.get());
    unsigned long base = MS_BIND | MS_REMOUNT | (flags & ~(MS_BIND | MS_REC | MS_REMOUNT));
    if (::mount(nullptr, target.c_str(), nullptr, base, nullptr) == 0)
        return;
    // In a user namespace the kernel locks flags the source mount had; keep them.
    struct statvfs sv;
    if (errno == EPERM && ::statvfs(target.c_str(), &sv) == 0 &&
        ::mount(nullptr, target.c_str(), nullptr, base | locked_flags_from_statvfs(sv.f_flag), nullptr) == 0)
        return;
    throw_errno("remount " + m.destination);
}

void apply_propagation_and_attrs(int root_fd, const spec::Mount& m, const MountOptions& opts)
{
    if (opts.propagation.empty() && opts.rec_attr_set == 0 && opts.rec_attr_clr == 0)
        return;
    auto fd = open_in_root(root_fd, m.destination, O_PATH);
    std::string target = fd_path(fd.get());
    for (unsigned long p : opts.propagation)
        if (::mount(nullptr, target.c_str(), nullptr, p, nullptr) < 0)
            throw_errno("set propagation of " + m.destination);
    if (opts.rec_attr_set != 0 || opts.rec_attr_clr != 0) {
        struct mount_attr attr{};
        attr.attr_set = opts.rec_attr_set;
        attr.attr_clr = opts.rec_attr_clr;
        if (::syscall(SYS_mount_setattr, fd.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
            throw_errno("set recursive mount attributes of " + m.destination);
    }
}

// D11 (CVE-2023-25809): a read-only remount of a recursive bind leaves its submounts
// writable. For the host's /sys that includes every cgroup hierarchy under
// /sys/fs/cgroup, so a read-only /sys from the host is made read-only all the way down.
void keep_host_sys_readonly(int root_fd, const spec::Mount& m, unsigned long flags)
{
    if (clean_destination(m.destination) != "/sys" || !(flags & MS_RDONLY) || !(flags & MS_REC))
        return;
    auto fd = open_in_root(root_fd, m.destination, O_PATH);
    set_mount_attributes(fd.get(), MOUNT_ATTR_RDONLY, AT_RECURSIVE,
                         "make " + m.destination + " and its submounts read-only");
}

// D11 for any recursive bind of the host's /sys, read-write ones too: the
// host's cgroup hierarchies are never the container's to write. Whatever the
// config mounts at /sys/fs/cgroup later goes on top; this keeps the host's
// hierarchies underneath read-only too, and masks them where that fails.
void seal_cgroupfs_below(int root_fd, const std::string& sys_destination)
{
    std::string dest = sys_destination + "/fs/cgroup";
    util::unique_fd fd;
    try {
        fd = open_in_root(root_fd, dest, O_PATH | O_DIRECTORY);
    } catch (const Error& e) {
        if (e.code() == ENOENT)
            return;
        throw;
    }
    struct statx stx{};
    if (::statx(fd.get(), "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) == 0 &&
        (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
        return;   // no mount there: it is part of the read-only /sys itself
    struct mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_RDONLY;
    if (::syscall(SYS_mount_setattr, fd.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) == 0)
        return;
    if (::mount("tmpfs", fd_path(fd.get()).c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                "size=0,mode=555") < 0)
        throw_errno("make the host's " + dest + " read-only or mask it");
}

void mount_bind(int root_fd, const spec::Mount& m, const MountOptions& opts, const MountContext& ctx)
{
    std::string source = absolute_source(m, ctx.bundle);
    struct stat st;
    if (::stat(source.c_str(), &st) < 0)
        throw_errno("bind mount source " + source);
    auto target = ensure_mount_target(root_fd, m.destination, S_ISDIR(st.st_mode));
    check_resolved_target(root_fd, m, target.get());
    // Tests swap the path for a symlink here: the mount must still land on the fd.
    util::fault_point("pause.mount-target-resolved");
    unsigned long flags = MS_BIND | (opts.flags & MS_REC);
    if (::mount(source.c_str(), fd_path(target.get()).c_str(), nullptr, flags, nullptr) < 0)
        throw_errno("bind mount " + source + " on " + m.destination);
    // Flags other than bind/rec only take effect on a remount of the new mount.
    if ((opts.flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) != 0)
        remount_bind(root_fd, m, opts.flags);
    keep_host_sys_readonly(root_fd, m, opts.flags);
    if (clean_destination(m.destination) == "/sys" && (opts.flags & MS_REC))
        seal_cgroupfs_below(root_fd, m.destination);
}

void mount_sysfs_fallback(int root_fd, const spec::Mount& m, const MountOptions& opts)
{
    // Without its own network namespace a user namespace may not mount sysfs:
    // bind the host's, read-only as the config asked, as runc does.
    auto target = ensure_mount_target(root_fd, m.destination, true);
    if (::mount("/sys", fd_path(target.get()).c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
        throw_errno("bind mount /sys on " + m.destination);
    if (opts.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC))
        remount_bind(root_fd, m, opts.flags);
    keep_host_sys_readonly(root_fd, m, opts.flags | MS_REC);
    seal_cgroupfs_below(root_fd, m.destination);
}

void mount_filesystem(int root_fd, const spec::Mount& m, const MountOptions& opts, const MountContext& ctx)
{
    auto target = ensure_mount_target(root_fd, m.destination, true);
    check_resolved_target(root_fd, m, target.get());
    util::fault_point("pause.mount-target-resolved");
    std::string path = fd_path(target.get());
    std::string source = m.source.empty() ? m.type : m.source;
    unsigned long flags = opts.flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
    if (::mount(source.c_str(), path.c_str(), m.type.c_str(), flags, opts.data.empty() ? nullptr : opts.data.c_str()) == 0)
        return;
    int err = errno;
    if (m.type == "sysfs" && (err == EPERM || err == EACCES) && ctx.in_user_ns) {
        mount_sysfs_fallback(root_fd, m, opts);
        return;
    }
    if (m.type == "mqueue" && (err == EPERM || err == EACCES) && ctx.in_user_ns) {
        if (::mount("/dev/mqueue", path.c_str(), nullptr, MS_BIND, nullptr) == 0)
            return;
    }
    throw_errno("mount " + m.type + " on " + m.destination, err);
}

} // namespace

std::string clean_destination(const std::string& dest)
{
    std::vector<std::string> parts;
    std::size_t i = 0;
    while (i <= dest.size()) {
        std::size_t end = dest.find('/', i);
        if (end == std::string::npos)
            end = dest.size();
        std::string part = dest.substr(i, end - i);
        if (part == "..") {
            if (!parts.empty())
                parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        i = end + 1;
    }
    std::string out;
    for (const auto& p : parts)
        out += "/" + p;
    return out.empty() ? "/" : out;
}

void check_proc_mount(int root_fd, const spec::Mount& m)
{
    static const char* const kProcAllowlist[] = {
        "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps",
        "/proc/uptime", "/proc/loadavg", "/proc/slabinfo", "/proc/pressure/cpu",
        "/proc/pressure/io", "/proc/pressure/memory", "/proc/sys/kernel/ns_last_pid",
        "/proc/net/dev",
    };
    // "//proc", "/proc/" or "/dev/../proc" name /proc too (CVE-2019-16884 by another spelling).
    const std::string dest = clean_destination(m.destination);
    if (dest == "/proc" || dest == "/sys") {
        // D6: lstat before resolving: a symlink here would move the mount.
        struct stat st;
        std::string rel = dest.substr(1);
        if (::fstatat(root_fd, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode))
            throw Error("mount " + dest + ": the destination in the rootfs is not a directory (a symlink?)");
    }
    if (dest == "/proc") {
        if (m.type == "proc")
            return;
        struct statfs sfs;
        struct stat st;
        if (m.type == "bind" || !m.source.empty()) {
            if (::statfs(m.source.c_str(), &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC &&
                ::stat(m.source.c_str(), &st) == 0 && st.st_ino == 1)
                return;
        }
        throw Error("mount " + m.source + " on /proc: only a procfs may be mounted there");
    }
    if (dest.rfind("/proc/", 0) == 0) {
        for (const char* allowed : kProcAllowlist)
            if (dest == allowed)
                return;
        throw Error("mount on " + dest + ": mounts below /proc are not allowed");
    }
}

void check_resolved_target(int root_fd, const spec::Mount& m, int target_fd)
{
    // A destination spelled outside /proc that resolves into it (a symlink in the image,
    // CVE-2019-16884 / CVE-2019-19921) gets no exemption from check_proc_mount.
    std::string dest = clean_destination(m.destination);
    if (dest == "/proc" || dest.rfind("/proc/", 0) == 0)
        return;
    struct statfs sfs;
    if (::fstatfs(target_fd, &sfs) < 0)
        throw_errno("stat mount target " + m.destination);
    struct stat target, proc;
    bool on_proc_dir = ::fstat(target_fd, &target) == 0 &&
                       ::fstatat(root_fd, "proc", &proc, AT_SYMLINK_NOFOLLOW) == 0 &&
                       target.st_dev == proc.st_dev && target.st_ino == proc.st_ino;
    if (sfs.f_type == PROC_SUPER_MAGIC || on_proc_dir)
        throw Error("mount on " + m.destination + ": the destination resolves into /proc");
}

void prepare_rootfs(const std::string& rootfs)
{
    if (::mount(nullptr, "/", nullptr, MS_SLAVE | MS_REC, nullptr) < 0)
        throw_errno("make / a recursive slave");
    if (::mount(rootfs.c_str(), rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
        throw_errno("bind mount rootfs " + rootfs + " onto itself");
}

bool needs_dev_setup(const std::vector<spec::Mount>& mounts)
{
    for (const auto& m : mounts) {
        if (m.destination == "/dev") {
            auto opts = parse_mount_options(m.options);
            return !is_bind(m, opts);
        }
    }
    return true;
}

namespace {

// Without them every hierarchy would be bound from its root: the host's whole tree.
std::string own_cgroups(const MountContext& ctx)
{
    if (!ctx.enter_cgroup)
        throw Error("cannot mount cgroups: the container's own cgroups are not known");
    return ctx.enter_cgroup();
}

void mount_cgroups(int root_fd, const spec::Mount& m, const MountOptions& opts, const MountContext& ctx)
{
    std::string own = own_cgroups(ctx);   // enters the container's cgroup first
    util::unique_fd tree = ctx.take_cgroup_tree ? ctx.take_cgroup_tree() : util::unique_fd();
    mount_cgroup_tree(root_fd, m.destination, opts.flags, ctx.own_cgroup_ns, own, ctx.cgroup_mounts, tree.get());
}

} // namespace

void mount_all(int root_fd, const std::vector<spec::Mount>& mounts, const MountContext& ctx)
{
    for (size_t i = 0; i < mounts.size(); ++i) {
        const spec::Mount& m = mounts[i];
        with_context("mounts[" + std::to_string(i) + "] " + m.destination, [&] {
            check_proc_mount(root_fd, m);
            MountOptions opts = parse_mount_options(m.options);
            if (opts.idmap)
                throw Error("id-mapped mounts are not supported yet");
            if (is_bind(m, opts))
                mount_bind(root_fd, m, opts, ctx);
            else if (m.type == "cgroup" || m.type == "cgroup2")
                mount_cgroups(root_fd, m, opts, ctx);
            else
                mount_filesystem(root_fd, m, opts, ctx);
            apply_propagation_and_attrs(root_fd, m, opts);
        });
    }
}

void pivot_into(const std::string& rootfs, bool no_pivot)
{
    if (::chdir(rootfs.c_str()) < 0)
        throw_errno("chdir to rootfs " + rootfs);
    if (no_pivot) {
        if (::mount(rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr) < 0)
            throw_errno("move rootfs to /");
        if (::chroot(".") < 0)
            throw_errno("chroot to rootfs");
    } else {
        util::unique_fd old_root(::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
        if (!old_root)
            throw_errno("open the old root");
        if (::syscall(SYS_pivot_root, ".", ".") < 0)
            throw_errno("pivot_root to " + rootfs);
        // The old root is stacked under the new one. Make it, not the new root
        // ("." still names that), a slave so detaching it cannot propagate an
        // unmount to the host, and the container's own mounts keep theirs.
        if (::fchdir(old_root.get()) < 0)
            throw_errno("chdir to the old root");
        if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0)
            throw_errno("make the old root a slave");
        if (::umount2(".", MNT_DETACH) < 0)
            throw_errno("detach the old root");
    }
    if (::chdir("/") < 0)
        throw_errno("chdir to /");
}

void finish_root(const std::string& propagation, bool readonly)
{
    unsigned long prop = 0;
    if (propagation == "shared") prop = MS_SHARED;
    else if (propagation == "private") prop = MS_PRIVATE;
    else if (propagation == "unbindable") prop = MS_UNBINDABLE;
    else if (propagation == "slave") prop = MS_SLAVE;
    if (prop != 0 && ::mount(nullptr, "/", nullptr, prop | MS_REC, nullptr) < 0)
        throw_errno("set root propagation to " + propagation);
    if (readonly) {
        unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
        struct statvfs sv;
        if (::statvfs("/", &sv) == 0)
            flags |= locked_flags_from_statvfs(sv.f_flag);
        if (::mount(nullptr, "/", nullptr, flags, nullptr) < 0)
            throw_errno("remount root read-only");
    }
}

} // namespace oci::sys
