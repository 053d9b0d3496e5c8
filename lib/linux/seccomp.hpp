// linux.seccomp: compiled into a BPF program with libseccomp in the parent
// (before any process is cloned), loaded into the container's process last,
// just before execve.
#pragma once

#include <oci/spec.hpp>

#include <linux/filter.h>

#include <vector>

namespace oci::sys {

struct SeccompProgram {
    std::vector<struct sock_filter> filter;   // the BPF program, ready for seccomp(2)
    unsigned int flags = 0;                   // SECCOMP_FILTER_FLAG_* for seccomp(2), without NEW_LISTENER
    bool notify = false;                      // some rule uses SCMP_ACT_NOTIFY: load with NEW_LISTENER
};

// Compiles linux.seccomp into BPF without loading anything, as runc does:
// - SCMP_ACT_KILL is KILL_THREAD; ERRNO and TRACE return errnoRet, EPERM
//   when it is absent; errnoRet on any other action is an error (the spec
//   says the runtime MUST fail).
// - The native architecture is always in the filter, next to `architectures`.
// - Syscall names this libseccomp does not know are skipped (logged at
//   debug level); a rule whose action equals the default action is skipped.
// - SCMP_CMP_MASKED_EQ is libseccomp's (arg & value) == valueTwo: `value`
//   is the mask (Docker's clone rule: value = CLONE_NEW* flags, valueTwo 0).
// - When two conditions of one rule name the same argument, every condition
//   of that rule becomes a rule of its own (OR), runc's "old behavior";
//   otherwise the conditions of a rule are AND-ed.
// - SCMP_ACT_NOTIFY is refused as default action and for `write` (runc's
//   init reports the listener with write(2)) and `sendmsg` (ours passes it
//   with SCM_RIGHTS): the agent cannot answer before it has the listener,
//   so a notified handover would never return.
// - Unless the default action lets syscalls through (ALLOW, LOG, TRACE), a
//   stub in front of the filter returns ENOSYS for syscall numbers above the
//   largest one the profile names on each architecture (runc's patchbpf), so
//   a libc probing a syscall newer than the profile falls back instead of
//   failing with the default errno. runc looks at `architectures` only; the
//   native architecture gets its limit here even when the list is empty.
// Errors name the JSON path: "linux.seccomp.syscalls[3]: ...".
SeccompProgram compile_seccomp(const spec::Seccomp& config);

// Loads the program into the calling thread with seccomp(SECCOMP_SET_MODE_FILTER,
// flags | NEW_LISTENER when notify). Returns the listener fd (close-on-exec)
// or -1. The caller has set no_new_privs or holds CAP_SYS_ADMIN. Nothing is
// allocated once the filter is in place, so the syscalls the caller still
// makes before execve are the only ones the profile has to allow.
int load_seccomp(const SeccompProgram& program);

} // namespace oci::sys
