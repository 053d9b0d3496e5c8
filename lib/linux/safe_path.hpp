// Resolving and creating paths inside a container rootfs so that nothing the
// image controls (symlinks, "..") can make a lookup, a create or a mount target
// land outside it (SECURITY-CATALOG D4; CVE-2021-30465, CVE-2024-45310,
// CVE-2019-18837). Paths are interpreted as if the rootfs fd were "/".
//
// The kernel does the work where it can: openat2(RESOLVE_IN_ROOT |
// RESOLVE_NO_MAGICLINKS). Where openat2 is missing or blocked by seccomp, a
// component-by-component walk with O_PATH|O_NOFOLLOW resolves the same way:
// it reads each symlink itself and never lets the kernel follow one.
//
// Policy for dangling symlinks: a lookup through one fails with ENOENT; the
// creating calls (mkdir_all_in_root, ensure_mount_target) follow it inside the
// rootfs and create what it names there, as runc does for compatibility.
#pragma once

#include "util/unique_fd.hpp"

#include <sys/types.h>

#include <string>
#include <string_view>

namespace oci::sys {

// Opens `path` below root_fd with open(2) `flags` (O_CLOEXEC is always added).
// Absolute symlinks and ".." are clamped to the root; at most 40 symlinks are
// followed (then ELOOP); procfs magic links are refused (ELOOP). The empty path
// names the root. Callers must not pass O_TRUNC for files they did not create.
// Throws oci::Error("open /etc/passwd in rootfs: no such file or directory").
util::unique_fd open_in_root(int root_fd, std::string_view path, int flags, mode_t mode = 0);

// As open_in_root without O_CREAT, but a path missing from the rootfs is no
// error: the fd is empty. For lists such as the masked paths, whose names a
// kernel or an image often lacks: a throw for each is paid on every start.
util::unique_fd open_in_root_if_exists(int root_fd, std::string_view path, int flags);

// Resolves `path` below root_fd as open_in_root(path, O_PATH|O_DIRECTORY) does,
// creating each missing directory with mkdirat(mode) in its already-resolved
// parent. Returns an O_PATH|O_DIRECTORY|O_CLOEXEC fd of the directory.
util::unique_fd mkdir_all_in_root(int root_fd, std::string_view path, mode_t mode);

// Makes sure a mount target exists below root_fd: a directory (is_dir) or an
// empty regular file created with O_CREAT|O_EXCL|O_NOFOLLOW (never truncating
// anything), its missing parents created with dir_mode. A symlink as the last
// component is resolved inside the rootfs. A target of the other type (file
// vs directory) is returned as it is: the mount will fail on it, not this.
// Returns an O_PATH|O_CLOEXEC fd of the target, to mount onto via fd_path().
util::unique_fd ensure_mount_target(int root_fd, std::string_view path, bool is_dir, mode_t dir_mode = 0755);

// "/proc/self/fd/N": names the checked fd in mount(2) calls. Only meaningful
// while /proc is a procfs the runtime trusts (SECURITY-CATALOG D5).
std::string fd_path(int fd);

// Whether openat2 with RESOLVE_IN_ROOT works here (probed once, then cached;
// false while the fallback is forced).
bool openat2_usable();

// Forces the component walk even where openat2 works: for tests, and for the
// "openat2 blocked" test mode.
void force_openat2_fallback(bool on);

} // namespace oci::sys
