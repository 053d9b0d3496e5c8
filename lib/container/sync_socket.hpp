// The parent <-> init protocol: typed, length-checked messages over a
// SOCK_SEQPACKET socketpair, optionally carrying one fd (SCM_RIGHTS).
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
};

struct Message {
    Msg type = Msg::error;
    int32_t err = 0;
    std::string text;
    util::unique_fd fd;
};

// Both ends are created CLOEXEC.
void make_socketpair(util::unique_fd& parent_end, util::unique_fd& child_end);

void send_msg(int sock, Msg type, int32_t err = 0, const std::string& text = {}, int fd = -1);

// Returns false on EOF (the peer exited without a word).
bool recv_msg(int sock, Message& out);

} // namespace oci::core
