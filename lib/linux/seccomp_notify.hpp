// Handing the seccomp listener fd to the agent at linux.seccomp.listenerPath,
// as the runtime spec's "container process state" (config-linux.md, seccomp).
#pragma once

#include <sys/types.h>

#include <string>

namespace oci::sys {

// The container process state document:
//   {"ociVersion":"1.3.0","fds":["seccompFd"],"pid":PID,"metadata":"...","state":STATE}
// state_json is the already-serialized state object; metadata is left out
// when empty (it is OPTIONAL).
std::string container_process_state(pid_t pid, const std::string& state_json, const std::string& metadata);

// Connects to the SOCK_STREAM unix socket at listener_path and sends one
// container process state, with listener_fd in SCM_RIGHTS on the first
// sendmsg, then closes the connection (one state per connection). Blocks
// until the agent's socket has taken the data. Errors name the path.
void send_seccomp_listener(const std::string& listener_path, int listener_fd, pid_t pid,
                           const std::string& state_json, const std::string& metadata);

} // namespace oci::sys
