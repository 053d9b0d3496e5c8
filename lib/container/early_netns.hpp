// A new network namespace made by a short-lived child of ours while the
// parent and the init get on with the rest. Making one costs about half a
// millisecond (the kernel sets up every per-namespace subsystem), which would
// otherwise sit on the init's path. Only where no user namespace is made: the
// namespace belongs to the user namespace of its maker.
//
// A process rather than a thread: the init is cloned without exec, and a
// clone while another thread holds a lock (malloc's) hands the init that lock
// forever.
#pragma once

#include "util/pidfd.hpp"
#include "util/unique_fd.hpp"

namespace oci::core {

class EarlyNetns {
public:
    // Clones the maker: unshare(CLONE_NEWNET), loopback up, its fd sent back.
    EarlyNetns();
    EarlyNetns(const EarlyNetns&) = delete;
    EarlyNetns& operator=(const EarlyNetns&) = delete;

    // Waits for the maker's word: the namespace (O_CLOEXEC), or its error.
    // The maker itself is reaped when this object goes.
    util::unique_fd take();

private:
    util::unique_fd sock_;
    util::OwnedChild maker_;   // reaped (killed first, if it still runs) when this object goes
};

} // namespace oci::core
