// A system call that returns -errno and touches nothing else of the C
// library: for code that runs before it has started (the entry point) and
// for children that share our memory (CLONE_VM), where writing errno would
// write ours.
#pragma once

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace oci::sys {

#if defined(__x86_64__)
[[gnu::always_inline]] inline long raw_syscall(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0)
{
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
    return ret;
}
#elif defined(__aarch64__)
[[gnu::always_inline]] inline long raw_syscall(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
    return x0;
}
#else
// Elsewhere the C library's wrapper: it sets errno on failure, which the
// entry point does not reach on these architectures, and which a CLONE_VM
// child shares with us (a wrong errno at worst, never a crash).
inline long raw_syscall(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0)
{
    long ret = ::syscall(n, a, b, c, d, e);
    return ret < 0 ? -errno : ret;
}
#endif

} // namespace oci::sys
