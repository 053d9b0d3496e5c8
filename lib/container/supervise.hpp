// Being the parent of a container process in the foreground (run, exec):
// signals forwarded to it, its terminal proxied, orphans reaped, its exit
// code returned.
#pragma once

#include "util/unique_fd.hpp"

#include <signal.h>
#include <sys/types.h>

namespace oci::core {

// Blocks the signals supervise() handles (set up before the child is
// cloned, so none is lost); restores the mask on scope exit.
class SignalScope {
public:
    SignalScope();
    ~SignalScope();
    int fd() const { return fd_.get(); }

private:
    sigset_t old_;
    util::unique_fd fd_;
};

class NotifyProxy;

// Waits for `child` (our child; other children are reaped as they exit),
// forwarding signals to it and copying between our stdio and `master` when
// there is a terminal, and the container's READY to the host with our own
// pid as MAINPID when there is a notify proxy (we live as long as the
// container). Returns the exit code (128+n on signal n).
int supervise(pid_t child, int child_pidfd, int signal_fd, int master, NotifyProxy* notify = nullptr);

} // namespace oci::core
