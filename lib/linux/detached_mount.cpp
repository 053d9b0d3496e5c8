#include "linux/detached_mount.hpp"

#include "linux/safe_path.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace oci::sys {

util::unique_fd clone_mount_at(int fd, unsigned flags, const std::string& what)
{
    util::unique_fd copy(static_cast<int>(
        ::syscall(SYS_open_tree, fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | flags)));
    if (!copy)
        throw_errno(what);
    return copy;
}

void set_mount_attributes(int mount_fd, uint64_t attr_set, unsigned flags, const std::string& what)
{
    struct mount_attr attr{};
    attr.attr_set = attr_set;
    if (::syscall(SYS_mount_setattr, mount_fd, "", AT_EMPTY_PATH | flags, &attr, sizeof attr) < 0)
        throw_errno(what);
}

void move_mount_onto(int mount_fd, int target_fd, const std::string& what)
{
    if (::syscall(SYS_move_mount, mount_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        throw_errno(what);
}

util::unique_fd clone_bind_mount(const std::string& source, uint64_t attr_set)
{
    util::unique_fd fd(static_cast<int>(
        ::syscall(SYS_open_tree, AT_FDCWD, source.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW)));
    if (!fd)
        throw_errno("clone a bind mount of " + source);
    if (attr_set != 0)
        set_mount_attributes(fd.get(), attr_set, 0, "set the attributes of the bind mount of " + source);
    return fd;
}

util::unique_fd detached_tmpfs(std::initializer_list<std::pair<const char*, const char*>> options, uint64_t attr_set,
                               const std::string& what)
{
    util::unique_fd ctx(static_cast<int>(::syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC)));
    if (!ctx && (errno == ENOSYS || errno == EPERM))
        return {};
    if (!ctx || ::syscall(SYS_fsconfig, ctx.get(), FSCONFIG_SET_STRING, "source", "tmpfs", 0) < 0)
        throw_errno(what);
    for (const auto& [key, value] : options)
        if (::syscall(SYS_fsconfig, ctx.get(), FSCONFIG_SET_STRING, key, value, 0) < 0)
            throw_errno(what);
    if (::syscall(SYS_fsconfig, ctx.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
        throw_errno(what);
    util::unique_fd mnt(static_cast<int>(::syscall(SYS_fsmount, ctx.get(), FSMOUNT_CLOEXEC, attr_set)));
    if (!mnt)
        throw_errno(what);
    return mnt;
}

void attach_mount(int root_fd, std::string_view destination, int mount_fd)
{
    auto target = ensure_mount_target(root_fd, destination, true);
    move_mount_onto(mount_fd, target.get(), "attach mount on " + std::string(destination));
}

} // namespace oci::sys
