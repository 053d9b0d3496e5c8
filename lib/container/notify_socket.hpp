// The sd_notify proxy, as runc does it. An engine (systemd with
// Type=notify) gives ocirun NOTIFY_SOCKET; the container cannot reach that
// host socket, so it gets one of ours instead: <state>/notify/notify.sock,
// its directory bound read-only at /run/notify. We forward the container's
// READY= line to the host with the pid systemd should watch (MAINPID).
#pragma once

#include "util/unique_fd.hpp"

#include <oci/spec.hpp>

#include <sys/types.h>

#include <optional>
#include <string>

namespace oci::core {

inline constexpr const char* kNotifyDir = "notify";
inline constexpr const char* kNotifySocketName = "notify.sock";
inline constexpr const char* kNotifyDirInContainer = "/run/notify";

// At create: makes <state>/notify and sets NOTIFY_SOCKET in the process
// environment. With a mount namespace, returns the directory as a detached
// read-only bind mount for the init to attach at /run/notify (a user
// namespace's root could not reach the state directory to bind it itself);
// without one, the container is pointed at the host path and no fd returned.
// Where no mount can be cloned (rootless), the config gets a bind mount instead.
// `host` (the engine's NOTIFY_SOCKET) is checked here, before the container exists.
util::unique_fd prepare_notify_socket(int state_dir_fd, const std::string& state_path, const std::string& host,
                                      bool own_mount_ns, spec::Config& config);

class NotifyProxy {
public:
    // Binds our socket in <state_path>/notify; nullopt when the container was
    // created without one. `host` is the engine's NOTIFY_SOCKET ('@' = abstract).
    static std::optional<NotifyProxy> bind(const std::string& state_path, const std::string& host);

    int fd() const noexcept { return socket_.get(); }
    // Reads one datagram; its READY= line, if it has one. Other lines (and a
    // MAINPID= of the container's choosing) are not forwarded.
    std::optional<std::string> read_ready();
    // Sends the READY= line and MAINPID to the host. With `barrier`, waits
    // (at most 30 s) until the host has read them (sd_notify_barrier), so
    // that it knows the new main pid before we exit.
    void forward(const std::string& ready_line, pid_t main_pid, bool barrier);

private:
    NotifyProxy(util::unique_fd socket, std::string host) : socket_(std::move(socket)), host_(std::move(host)) {}
    util::unique_fd socket_;
    std::string host_;
};

// start and run -d: returns once the container said READY (forwarded with
// the init as MAINPID) or its init exited without saying it.
void forward_ready_or_exit(NotifyProxy& proxy, pid_t init);

} // namespace oci::core
