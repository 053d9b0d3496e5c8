// The program's entry point, ahead of the C library's _start. create, run and
// exec re-execute from a sealed view of the binary (D1) before anything else,
// and the first image needs nothing of the C library for that: the C library's
// start-up then runs once instead of twice. On this kind of VM that start-up
// costs about a quarter of a millisecond, most of it CPUID instructions that
// the hypervisor traps. Whatever cannot be done here is left to
// ensure_running_sealed() in main, as before. For create and run, the
// container's network namespace is started here too (netns_at_entry.hpp).
#include "early_command.hpp"

#include <oci/early.hpp>
#include <oci/runtime.hpp>

extern "C" OCI_EARLY __attribute__((used)) void ocirun_early(long* initial_stack)
{
    // The kernel's initial stack: argc, argv[], NULL, envp[], NULL, auxv.
    int argc = static_cast<int>(initial_stack[0]);
    char** argv = reinterpret_cast<char**>(initial_stack + 1);
    char** envp = argv + argc + 1;
    if (ocirun::early_enters_container(argc, argv))
        oci::reexec_sealed_at_entry(argv, envp, ocirun::early_create_bundle(argc, argv));
}

// Calls ocirun_early with the initial stack, then hands _start the stack and
// %rdx (the exit function a dynamic loader would pass) as the kernel left them.
__asm__(R"(
    .text
    .globl ocirun_entry
    .type ocirun_entry, @function
ocirun_entry:
    mov %rsp, %r12
    mov %rdx, %r13
    mov %rsp, %rdi
    and $-16, %rsp
    call ocirun_early
    mov %r12, %rsp
    mov %r13, %rdx
    jmp _start
    .size ocirun_entry, . - ocirun_entry
)");
