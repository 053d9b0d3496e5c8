#include "linux/masked_paths.hpp"

#include "linux/detached_mount.hpp"
#include "linux/safe_path.hpp"
#include "util/fault_point.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

namespace oci::sys {

namespace {

// A detached, read-only, empty tmpfs; an empty fd where fsopen is not
// allowed (a filter, an old kernel): then each mask is a tmpfs of its own.
util::unique_fd empty_readonly_tmpfs(const std::string& what)
{
    return detached_tmpfs({{"nr_inodes", "1"}},
                          MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, what);
}

// The same directory on the same mount (a bind of the rootfs elsewhere in
// the container is the same inode on another mount).
bool same_place(int a, int b)
{
    struct statx sa{}, sb{};
    if (::statx(a, "", AT_EMPTY_PATH, STATX_INO | STATX_MNT_ID, &sa) < 0 ||
        ::statx(b, "", AT_EMPTY_PATH, STATX_INO | STATX_MNT_ID, &sb) < 0)
        return false;
    bool same_mount = !(sa.stx_mask & STATX_MNT_ID) || !(sb.stx_mask & STATX_MNT_ID) || sa.stx_mnt_id == sb.stx_mnt_id;
    return same_mount && sa.stx_ino == sb.stx_ino && sa.stx_dev_major == sb.stx_dev_major &&
           sa.stx_dev_minor == sb.stx_dev_minor;
}

} // namespace

// As runc: a recursive bind of the path onto itself whose top mount is made
// read-only, its other flags kept. The new mount API makes the copy
// read-only before it is attached, with no second lookup of the path.
void apply_readonly_paths(int root_fd, const std::vector<std::string>& paths)
{
    for (const auto& path : paths) {
        util::unique_fd fd = open_in_root_if_exists(root_fd, path, O_PATH);
        if (!fd)
            continue;
        if (same_place(fd.get(), root_fd)) {
            // The rootfs itself (through a symlink to "/"): a copy stacked on it
            // would hide it from every later lookup through root_fd, the masks'
            // among them. Its own mount is made read-only instead.
            set_mount_attributes(root_fd, MOUNT_ATTR_RDONLY, 0, "make " + path + " (the rootfs) read-only");
            continue;
        }
        util::unique_fd copy = clone_mount_at(fd.get(), AT_RECURSIVE, "bind " + path + " onto itself");
        set_mount_attributes(copy.get(), MOUNT_ATTR_RDONLY, 0, "make " + path + " read-only");
        move_mount_onto(copy.get(), fd.get(), "remount " + path + " read-only");
    }
}

void apply_masked_paths(int root_fd, const std::vector<std::string>& paths)
{
    std::optional<util::unique_fd> null_fd;
    // The first masked directory's tmpfs, once attached: the others get copies
    // of it (older kernels, Debian 12's 6.1 among them, clone no mount that is
    // still detached). An empty fd: fsopen is not allowed, each mask is a
    // tmpfs of its own.
    std::optional<util::unique_fd> empty_dir;
    for (const auto& path : paths) {
        util::unique_fd fd = open_in_root_if_exists(root_fd, path, O_PATH);
        if (!fd)
            continue;
        struct stat st;
        if (::fstat(fd.get(), &st) < 0)
            throw_errno("stat " + path);
        if (S_ISDIR(st.st_mode)) {
            if (!empty_dir) {
                empty_dir = empty_readonly_tmpfs("mask directory " + path);
                if (*empty_dir) {
                    move_mount_onto(empty_dir->get(), fd.get(), "mask directory " + path);
                    continue;
                }
            }
            if (*empty_dir)
                move_mount_onto(clone_mount_at(empty_dir->get(), 0, "mask directory " + path).get(), fd.get(),
                                "mask directory " + path);
            else if (::mount("tmpfs", fd_path(fd.get()).c_str(), "tmpfs", MS_RDONLY, "size=0,nr_inodes=1") < 0)
                throw_errno("mask directory " + path);
            continue;
        }
        if (!null_fd) {
            null_fd = open_in_root(root_fd, "/dev/null", O_PATH);
            struct stat ns;
            if (::fstat(null_fd->get(), &ns) < 0)
                throw_errno("stat /dev/null");
            if (!S_ISCHR(ns.st_mode) || major(ns.st_rdev) != 1 || minor(ns.st_rdev) != 3)
                throw Error("mask " + path + ": the container's /dev/null is not the null device (1:3)");
            // Tests swap /dev/null for a symlink here: the masks must still use the checked fd.
            util::fault_point("pause.mask-null-verified");
        }
        move_mount_onto(clone_mount_at(null_fd->get(), 0, "mask " + path).get(), fd.get(), "mask " + path);
    }
}

} // namespace oci::sys
