// A cache of compiled seccomp programs. libseccomp takes about 11 ms to
// compile Docker's profile for three architectures; create and exec compile
// the same profile again and again. The program is kept in a directory of
// the state root, one file per key.
//
// The key is the profile's fields that reach the compiler, written out in a
// canonical form, plus everything else the BPF depends on: the libseccomp
// version and API level, the native architecture, this build of ocirun and
// the cache format. A file is used only when the directory is ours (owner
// euid, mode 0700, not a symlink), the file too (a regular file of mode
// 0600, not a symlink), its size is what its header says, its checksum
// matches, and the key stored in it equals ours byte for byte (so a hash
// collision cannot hand over another profile's program). Anything else is a
// miss: the profile is compiled and the file rewritten (temp + rename).
#pragma once

#include "linux/seccomp.hpp"
#include "util/unique_fd.hpp"

#include <string>

namespace oci::sys {

// The cache directory under the state root (made 0700 if missing), or an
// empty fd when it is not safe or cannot be made: then nothing is cached.
util::unique_fd open_seccomp_cache(int state_root_fd);

// compile_seccomp(config), through the cache when cache_dir_fd >= 0.
SeccompProgram compile_seccomp_cached(const spec::Seccomp& config, int cache_dir_fd);

// The cache key of a profile (exposed for tests).
std::string seccomp_cache_key(const spec::Seccomp& config);

// The directory's name under the state root: `list` skips dot names.
inline constexpr const char* kSeccompCacheDir = ".seccomp-cache";

} // namespace oci::sys
