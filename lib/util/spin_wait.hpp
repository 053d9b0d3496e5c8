// A wait that looks before it sleeps. On a VM whose idle CPUs halt, a process
// that sleeps on an idle CPU takes tens of microseconds to wake again, often
// longer than the wait itself: the waits between the runtime and the
// container's init, each on a CPU of its own, are that short.
#pragma once

namespace oci::util {

// Polls fd for input (or hang-up) without sleeping, for up to max_ns,
// yielding the CPU to anything else that can run. True if it came.
bool spin_until_readable(int fd, long max_ns);

// How long the runtime and the init look for each other's replies.
inline constexpr long kReplyWaitNs = 200 * 1000;

} // namespace oci::util
