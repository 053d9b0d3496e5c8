// The -ENOSYS stub runc puts in front of libseccomp's filter
// (libcontainer/seccomp/patchbpf): a syscall numbered above the largest one
// the profile names, on its architecture, gets ENOSYS instead of the default
// action. A kernel newer than the profile thus looks like a kernel without
// the new syscall, and the libc falls back (glibc tries clone3, fchmodat2,
// ... and only falls back on ENOSYS, not on the EPERM of a deny list).
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <vector>

namespace oci::sys {

struct SyscallLimit {
    uint32_t arch = 0;        // SCMP_ARCH_* token (X32 is x86_64 with the x32 bit)
    uint32_t max_nr = 0;      // largest syscall number named, as libseccomp numbers it
};

// The stub: checks seccomp_data.arch and .nr, returns SECCOMP_RET_ERRNO|ENOSYS
// for numbers above the limit, and otherwise falls through to the instruction
// right after it (the filter it is prepended to), whose state it does not
// rely on (libseccomp's program loads what it needs). Architectures without
// a limit fall through untouched. Empty when `limits` is.
std::vector<struct sock_filter> enosys_stub(const std::vector<SyscallLimit>& limits);

} // namespace oci::sys
