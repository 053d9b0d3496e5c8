// A verified handle on a procfs root, opened before any mount changes so that
// a /proc the container controls is never trusted for writes (D5).
#pragma once

#include "util/unique_fd.hpp"

namespace oci::sys {

// Opens /proc and checks it is the root of a procfs (fstatfs magic and inode 1).
util::unique_fd open_trusted_proc();

} // namespace oci::sys
