// The parent <-> init protocol: typed, length-checked messages over a
// SOCK_SEQPACKET socketpair, optionally carrying one fd (SCM_RIGHTS), and the
// doorbell that wakes the init for the messages after which the parent works on.
#pragma once

#include "util/unique_fd.hpp"

#include <cstdint>
#include <string>

namespace oci::core {

enum class Msg : uint32_t {
    go = 1,             // parent -> init: ids mapped, cgroup set, carry on; text: state JSON for hooks
    process_pidfd,      // intermediate -> parent: pidfd of the process it cloned (fd attached)
    pty_master,         // init -> parent: the terminal's master side (fd attached)
    created,            // init -> parent: set up, about to wait for start
    commit,             // parent -> init: state recorded, wait for start
    detached,           // init -> parent: no longer tied to the parent's life (the parent may exit)
    run_hooks,          // init -> parent: mounts done, run prestart + createRuntime hooks
    hooks_done,         // parent -> init: they succeeded
    seccomp_listener,   // init -> parent: the seccomp notify fd (attached), for listenerPath
    error,              // init -> parent: errno + message, the init then exits
    namespace_fd,       // helper -> parent: a namespace it made (fd attached)
    cgroup_ready,       // parent -> init: the cgroup is made and limited, enter it
    cgroup_tree,        // parent -> init: /sys/fs/cgroup made ahead (fd attached), or none: make it yourself
};

struct Message {
    Msg type = Msg::error;
    int32_t err = 0;
    std::string text;
    util::unique_fd fd;
};

// Wakes the init when the parent has more work to do after a message. A
// message on the socket wakes its reader as if the sender were about to
// sleep, on the sender's CPU, and there the init waits for as long as the
// parent keeps working; an eventfd's wakeup leaves the init free to run on
// an idle CPU. The parent rings after each such message; the init waits for
// the ring, then reads the message.
class Doorbell {
public:
    Doorbell();
    int fd() const { return fd_.get(); }
    void ring() const;
    // Returns false if the other end of `sock` is gone (the parent exited).
    static bool wait(int fd, int sock);

private:
    util::unique_fd fd_;
};

// Both ends are created CLOEXEC.
void make_socketpair(util::unique_fd& parent_end, util::unique_fd& child_end);

void send_msg(int sock, Msg type, int32_t err = 0, const std::string& text = {}, int fd = -1);

// Returns false on EOF (the peer exited without a word).
bool recv_msg(int sock, Message& out);

} // namespace oci::core
