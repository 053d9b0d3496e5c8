// Mounts made with the new mount API: cloned into a detached mount (open_tree
// with OPEN_TREE_CLONE), given their attributes while nothing can reach them
// (mount_setattr), then attached in one step (move_mount) onto a target held
// by an fd, so no path is looked up twice.
//
// Also bind mounts made where the source can be reached and attached where it
// cannot: the parent clones the source, the init moves it onto a target
// inside the rootfs. A user namespace's root may be unable to look up a path
// on the host (ocirun's 0700 state root), but it can attach what it is handed.
#pragma once

#include "util/unique_fd.hpp"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace oci::sys {

// A detached copy of the mount at `fd` (any file or directory on it: the copy
// starts there); `flags` may add AT_RECURSIVE. O_CLOEXEC. `what` names the
// step in an error.
util::unique_fd clone_mount_at(int fd, unsigned flags, const std::string& what);

// Sets the mount attributes (MOUNT_ATTR_RDONLY, ...) on the mount at
// `mount_fd`; `flags` may add AT_RECURSIVE.
void set_mount_attributes(int mount_fd, uint64_t attr_set, unsigned flags, const std::string& what);

// Attaches the detached mount onto the file or directory that `target_fd`
// (O_PATH) holds.
void move_mount_onto(int mount_fd, int target_fd, const std::string& what);

// A detached bind mount of the host directory `source`, with the mount
// attributes (MOUNT_ATTR_RDONLY, ...) set on it. O_CLOEXEC.
util::unique_fd clone_bind_mount(const std::string& source, uint64_t attr_set);

// A new tmpfs, detached, with the string options given ({"mode", "755"}) and
// the mount attributes. O_CLOEXEC. An empty fd where fsopen is not allowed
// (a seccomp filter, an old kernel); other failures throw.
util::unique_fd detached_tmpfs(std::initializer_list<std::pair<const char*, const char*>> options, uint64_t attr_set,
                               const std::string& what);

// Attaches the detached mount onto `destination` (a directory, created as
// needed) resolved inside the rootfs.
void attach_mount(int root_fd, std::string_view destination, int mount_fd);

} // namespace oci::sys
