// A verified handle on a procfs root, opened before any mount changes so that
// a /proc the container controls is never trusted for writes (D5).
#pragma once

#include "util/unique_fd.hpp"

#include <string>
#include <string_view>

namespace oci::sys {

// Opens /proc and checks it is the root of a procfs (fstatfs magic and inode 1).
util::unique_fd open_trusted_proc();

// Opens `rel` (e.g. "self/oom_score_adj", "sys/kernel/domainname") below the
// trusted handle without crossing a mount or following a magic link
// (openat2 RESOLVE_BENEATH|RESOLVE_NO_XDEV|RESOLVE_NO_MAGICLINKS), and checks
// that what it got is on the handle's own procfs mount. A tmpfs or a bind of
// another procfs file placed over the target is refused, not written
// (CVE-2025-52881). Works without openat2 by the same check after the open.
util::unique_fd open_proc_file(int proc_fd, const std::string& rel, int flags);

// Writes all of `data` to an existing file below the trusted handle, as above.
void write_proc_file(int proc_fd, const std::string& rel, std::string_view data);

} // namespace oci::sys
