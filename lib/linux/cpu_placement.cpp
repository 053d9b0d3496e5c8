#include "linux/cpu_placement.hpp"

#include "linux/raw_syscall.hpp"

#include <oci/early.hpp>

#include <sys/syscall.h>

namespace oci::sys {

OCI_EARLY void keep_off_our_cpu(long pid)
{
    unsigned long mask[16];
    long bytes = raw_syscall(SYS_sched_getaffinity, 0, sizeof mask, reinterpret_cast<long>(mask));
    unsigned cpu = 0;
    if (bytes <= 0 || raw_syscall(SYS_getcpu, reinterpret_cast<long>(&cpu), 0, 0) < 0 ||
        cpu >= static_cast<unsigned long>(bytes) * 8)
        return;
    constexpr unsigned kBits = sizeof mask[0] * 8;
    mask[cpu / kBits] &= ~(1UL << (cpu % kBits));
    bool others = false;
    for (long i = 0; i < bytes / static_cast<long>(sizeof mask[0]); ++i)
        others = others || mask[i] != 0;
    if (others)
        raw_syscall(SYS_sched_setaffinity, pid, bytes, reinterpret_cast<long>(mask));
}

} // namespace oci::sys
