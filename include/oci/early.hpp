// For code that runs at a program's entry point, before the C library has
// started (as oci::reexec_sealed_at_entry does, and the code of a program
// that decides whether to call it): no function may check a stack canary (its
// guard value lives in thread-local storage, which does not exist yet), and
// no loop may become a call to memcpy or memset (not resolved yet). Mark such
// functions OCI_EARLY, and include this in .cpp files only: GCC takes the
// second rule for the whole file.
#pragma once

#if defined(__clang__)
#define OCI_EARLY __attribute__((no_stack_protector, no_builtin))
#else
#pragma GCC optimize("no-tree-loop-distribute-patterns")
#define OCI_EARLY __attribute__((no_stack_protector))
#endif
