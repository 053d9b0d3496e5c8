// Where a new child of ours first runs. This kind of VM queues a new child on
// its parent's CPU, where it waits for the parent or preempts it, while the
// other CPU sleeps on until the next tick balances the load.
#pragma once

namespace oci::sys {

// Limits `pid` to the CPUs we may run on, ours taken out, so that it runs
// beside us; nothing where ours is the only one. Raw system calls only: the
// program's entry point calls it before the C library has started.
void keep_off_our_cpu(long pid);

} // namespace oci::sys
