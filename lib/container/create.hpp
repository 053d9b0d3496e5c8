// The parent side of create, shared by Runtime::create and Runtime::run.
#pragma once

#include "container/state_store.hpp"
#include "util/pidfd.hpp"

#include <oci/runtime.hpp>

namespace oci::core {

struct CreatedContainer {
    Record record;
    util::OwnedChild init;        // released by create, waited for by run
    util::unique_fd pty_master;   // run's terminal when no console socket was given
    // run's: the start byte goes to `release`, and `exec_status` reports the
    // exec (StartChannel::pipes); empty after a create for a later `start`.
    util::unique_fd release;
    util::unique_fd exec_status;
    std::vector<spec::Hook> poststart;
    // run's: the runtime root and the container's state directory (unlocked),
    // to delete the container after its exit without looking it up again.
    util::unique_fd state_root;
    std::optional<StateDir> state;
};

// `foreground`: the caller (run) proxies the terminal itself, and starts the
// container through `release`; with `start_at_once` (foreground only) the
// start byte has been written already, and `release` is empty.
CreatedContainer create_container(const RuntimeOptions& runtime, const std::string& id,
                                  const CreateOptions& options, bool foreground, bool start_at_once = false);

// Writes the pid atomically (temp file + rename), relative paths from the cwd.
void write_pid_file(const std::string& path, pid_t pid);

} // namespace oci::core
