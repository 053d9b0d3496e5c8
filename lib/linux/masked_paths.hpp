// linux.readonlyPaths and linux.maskedPaths, applied after every other mount
// (including /dev/console) so nothing can be mounted over them (D8).
#pragma once

#include <string>
#include <vector>

namespace oci::sys {

void apply_readonly_paths(int root_fd, const std::vector<std::string>& paths);

// Files are covered with the container's /dev/null after checking that it is
// the real character device 1:3 (CVE-2025-31133); directories with an empty
// read-only tmpfs. Paths that do not exist are skipped.
void apply_masked_paths(int root_fd, const std::vector<std::string>& paths);

} // namespace oci::sys
