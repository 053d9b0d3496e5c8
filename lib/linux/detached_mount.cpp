#include "linux/detached_mount.hpp"

#include "linux/safe_path.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace oci::sys {

util::unique_fd clone_bind_mount(const std::string& source, uint64_t attr_set)
{
    util::unique_fd fd(static_cast<int>(
        ::syscall(SYS_open_tree, AT_FDCWD, source.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW)));
    if (!fd)
        throw_errno("clone a bind mount of " + source);
    if (attr_set != 0) {
        struct mount_attr attr{};
        attr.attr_set = attr_set;
        if (::syscall(SYS_mount_setattr, fd.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
            throw_errno("set the attributes of the bind mount of " + source);
    }
    return fd;
}

void attach_mount(int root_fd, std::string_view destination, int mount_fd)
{
    auto target = ensure_mount_target(root_fd, destination, true);
    if (::syscall(SYS_move_mount, mount_fd, "", target.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        throw_errno("attach mount on " + std::string(destination));
}

} // namespace oci::sys
