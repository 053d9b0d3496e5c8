// Finding and signalling a container's processes without racing pid reuse.
#pragma once

#include "container/state_store.hpp"

#include <sys/types.h>

#include <vector>

namespace oci::core {

// pidfd of the recorded init, or an empty fd if it has exited (or its pid now
// names another process).
util::unique_fd open_init_pidfd(const Record& record);

// The init, plus (with all) every process in its pid namespace when the
// container has its own. Processes are addressed through pidfds opened and
// then checked against the recorded start time.
void signal_container(const Record& record, int signal, bool all);

// SIGKILLs what is left of the container and waits (bounded) until the init
// is gone. Returns false if it outlived the wait.
bool kill_and_wait(const Record& record);

} // namespace oci::core
