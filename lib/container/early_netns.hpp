// A new network namespace made by a short-lived child while the parent and
// the init get on with the rest: the one the program's entry point started
// (EntryNetns, handed over in the environment), else one that create clones
// itself (EarlyNetns). Making one costs about half a
// millisecond (the kernel sets up every per-namespace subsystem), which would
// otherwise sit on the init's path. Only where no user namespace is made: the
// namespace belongs to the user namespace of its maker.
//
// create's maker shares our memory and fd table (CLONE_VM|CLONE_FILES): no page
// tables to copy and no page to copy on write, for us or for it, and the
// namespace's fd lands in our table. Not a thread: the init is cloned without
// exec, and a clone while another thread holds a lock (malloc's) hands the init
// that lock forever; the maker makes raw system calls only, and takes none.
#pragma once

#include "util/pidfd.hpp"
#include "util/unique_fd.hpp"

#include <sys/types.h>

#include <memory>
#include <optional>

namespace oci::core {

class EarlyNetns {
public:
    // Clones the maker: unshare(CLONE_NEWNET), loopback up, the namespace's fd.
    EarlyNetns();
    EarlyNetns(const EarlyNetns&) = delete;
    EarlyNetns& operator=(const EarlyNetns&) = delete;
    ~EarlyNetns();

    // Waits for the maker to finish: the namespace (O_CLOEXEC), or its error.
    util::unique_fd take();

    // What the maker leaves for take(), written only by it, read after its exit.
    struct Result {
        int ns_fd = -1;
        int err = 0;
        int step = 0;   // the step that failed (sys::NetnsStep)
    };

private:
    std::unique_ptr<char[]> stack_;
    Result result_;
    util::OwnedChild maker_;   // reaped (killed first, if it still runs) when this object goes
};

// The namespace that the program's entry point started making (a child of
// the first image, netns_at_entry.hpp), reached over its socket.
class EntryNetns {
public:
    EntryNetns(util::unique_fd sock, pid_t maker) : sock_(std::move(sock)), maker_(maker, util::unique_fd()) {}

    // Waits for the maker's report: the namespace (O_CLOEXEC), or its error.
    // The maker may still be exiting; it is reaped when this object goes.
    util::unique_fd take();
    // The maker is not ours to kill or reap (in a forked child of the claimer).
    void disown() noexcept { maker_.release(); }

private:
    util::unique_fd sock_;
    util::OwnedChild maker_;
};

// Takes the entry point's namespace from the environment, if it names one,
// and makes its socket close-on-exec. Called once, first thing, by the
// re-executed image (reexec_sealed); create takes the result.
void claim_netns_from_entry();
std::optional<EntryNetns> take_netns_from_entry();

} // namespace oci::core
