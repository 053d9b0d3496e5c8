#include "linux/masked_paths.hpp"

#include "linux/mount_options.hpp"
#include "linux/safe_path.hpp"
#include "util/fault_point.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <optional>

namespace oci::sys {

namespace {

// nullopt when the path does not exist in the container.
std::optional<util::unique_fd> open_existing(int root_fd, const std::string& path)
{
    try {
        return open_in_root(root_fd, path, O_PATH);
    } catch (const Error& e) {
        if (e.code() == ENOENT)
            return std::nullopt;
        throw;
    }
}

} // namespace

void apply_readonly_paths(int root_fd, const std::vector<std::string>& paths)
{
    for (const auto& path : paths) {
        auto fd = open_existing(root_fd, path);
        if (!fd)
            continue;
        std::string target = fd_path(fd->get());
        if (::mount(target.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
            throw_errno("bind " + path + " onto itself");
        // The new mount sits on top of the old target fd: reopen to reach it.
        auto mounted = open_in_root(root_fd, path, O_PATH);
        std::string mtarget = fd_path(mounted.get());
        struct statvfs sv;
        unsigned long locked = ::statvfs(mtarget.c_str(), &sv) == 0 ? locked_flags_from_statvfs(sv.f_flag) : 0;
        if (::mount(nullptr, mtarget.c_str(), nullptr,
                    MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | locked, nullptr) < 0)
            throw_errno("remount " + path + " read-only");
    }
}

void apply_masked_paths(int root_fd, const std::vector<std::string>& paths)
{
    std::optional<util::unique_fd> null_fd;
    for (const auto& path : paths) {
        auto fd = open_existing(root_fd, path);
        if (!fd)
            continue;
        struct stat st;
        if (::fstat(fd->get(), &st) < 0)
            throw_errno("stat " + path);
        std::string target = fd_path(fd->get());
        if (S_ISDIR(st.st_mode)) {
            if (::mount("tmpfs", target.c_str(), "tmpfs", MS_RDONLY, "size=0,nr_inodes=1") < 0)
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
        if (::mount(fd_path(null_fd->get()).c_str(), target.c_str(), nullptr, MS_BIND, nullptr) < 0)
            throw_errno("mask " + path);
    }
}

} // namespace oci::sys
