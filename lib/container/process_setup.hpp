// Steps shared by the two kinds of process ocirun starts inside a container,
// the init (create) and an exec'd process: fd hygiene, the process's identity
// and limits in the order the kernel needs, and the final execve.
#pragma once

#include "linux/capabilities.hpp"
#include "linux/seccomp.hpp"

#include <oci/spec.hpp>

#include <functional>
#include <string>
#include <vector>

namespace oci::core {

// PDEATHSIG, non-dumpable (D10), an empty signal mask. `stay_dumpable`:
// an unprivileged parent (and newuidmap) will write our id maps, which it
// may only open while we are dumpable; the caller clears it once they are
// written, before anything else joins or reaches us.
void begin_setup_process(bool stay_dumpable = false);

// After entering a user namespace (with all capabilities in it): become its
// root. Only works when 0 is mapped; otherwise the ids stay as mapped.
void become_root_in_user_ns(bool setgroups_allowed);

// Moves an internal fd above the preserved range (fds 3..min_fd-1).
int move_above(int fd, int min_fd);
// Closes every fd from `first` up except those in keep (D2).
void close_fds_except(int first, std::vector<int> keep);

struct ReadyProcess {
    std::string executable;
    std::vector<std::string> env;
};

// cwd (resolved inside the root, checked after chdir: D3), rlimits, bounding
// set, user and groups, capabilities, umask, no_new_privs, and the
// executable looked up along the container's PATH. Runs after pivot_root /
// setns, as root of the container.
ReadyProcess prepare_process(const spec::Process& p, const sys::CapabilitySets& caps, bool setgroups_allowed);

// Seccomp is loaded as late as it can be (D: "seccomp last"): with
// no_new_privs, right before execve; without it the kernel wants
// CAP_SYS_ADMIN, so before the capabilities are dropped (as runc). A profile
// with SCMP_ACT_NOTIFY is loaded before the init reports ready, while the
// parent that hands the listener to the agent is still there.
enum class SeccompTiming { none, before_caps, before_ready, before_exec };
SeccompTiming seccomp_timing(const sys::SeccompProgram* program, const spec::Process& p);

// Loads the program; a listener fd goes to the parent over sync_fd.
void load_seccomp_now(const sys::SeccompProgram& program, int sync_fd);

// Closes all but stdio and the preserved fds, then execve. On failure writes
// the reason to stderr and exits 127.
[[noreturn]] void exec_prepared(const spec::Process& p, const ReadyProcess& ready, unsigned preserve_fds);

// Child entry: runs body; an error goes to the parent over sync_fd as
// Msg::error and the child exits. Never returns.
[[noreturn]] void run_child(int& sync_fd, const std::function<void()>& body) noexcept;

} // namespace oci::core
