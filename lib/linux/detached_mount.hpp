// Bind mounts made where the source can be reached and attached where it
// cannot: the parent clones the source into a detached mount (open_tree with
// OPEN_TREE_CLONE), the init moves it onto a target inside the rootfs
// (move_mount). A user namespace's root may be unable to look up a path on
// the host (ocirun's 0700 state root), but it can attach what it is handed.
#pragma once

#include "util/unique_fd.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace oci::sys {

// A detached bind mount of the host directory `source`, with the mount
// attributes (MOUNT_ATTR_RDONLY, ...) set on it. O_CLOEXEC.
util::unique_fd clone_bind_mount(const std::string& source, uint64_t attr_set);

// Attaches the detached mount onto `destination` (a directory, created as
// needed) resolved inside the rootfs.
void attach_mount(int root_fd, std::string_view destination, int mount_fd);

} // namespace oci::sys
