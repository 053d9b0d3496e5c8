// How a created init waits to be started and reports its exec. `create`
// makes two fifos in the state directory, for a `start` that comes later as
// another process; `run`, which starts its container itself, uses two pipes
// that no other process can reach, and spares the state directory two inodes.
#pragma once

#include "container/state_store.hpp"
#include "util/unique_fd.hpp"

namespace oci::core {

struct StartChannel {
    util::unique_fd init_wait;     // the init reads one byte from it: start
    util::unique_fd init_status;   // the init writes an error to it, or it closes at exec
    util::unique_fd release;       // pipes: our end of init_wait
    util::unique_fd status;        // pipes: our end of init_status

    // exec.fifo and start.status, opened read-write so that no open blocks.
    static StartChannel fifos(const StateDir& dir);
    static StartChannel pipes();
};

// Writes the start byte the init waits for.
void release_init(int fd);

// After the start byte: the init either reports a startContainer failure on
// status_fd, or closes it (EOF) right before execve. Its death (seen through
// init_pidfd when there is one) counts as failure.
void wait_for_exec(int status_fd, int init_pidfd);

} // namespace oci::core
