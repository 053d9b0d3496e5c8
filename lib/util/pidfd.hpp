// Process handles: pidfd syscalls and an owned child that is killed and
// reaped on scope exit unless released, so no error path leaves a process.
#pragma once

#include "util/unique_fd.hpp"

#include <sys/types.h>

#include <optional>
#include <utility>

namespace oci::util {

int pidfd_open(pid_t pid);                               // -1 + errno on failure
int pidfd_send_signal(int pidfd, int sig);               // -1 + errno on failure

// Exit status of a waited process as a shell would report it: the exit code,
// or 128 + signal number.
int exit_code_of(int wait_status);

class OwnedChild {
public:
    OwnedChild() = default;
    OwnedChild(pid_t pid, unique_fd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
    // The moved-from object owns nothing: its destructor must not kill.
    OwnedChild(OwnedChild&& other) noexcept : pid_(std::exchange(other.pid_, -1)), pidfd_(std::move(other.pidfd_)) {}
    OwnedChild& operator=(OwnedChild&& other) noexcept
    {
        if (this != &other) {
            kill_and_reap();
            pid_ = other.pid_;
            pidfd_ = std::move(other.pidfd_);
            other.pid_ = -1;
        }
        return *this;
    }
    ~OwnedChild() { kill_and_reap(); }

    pid_t pid() const noexcept { return pid_; }
    int pidfd() const noexcept { return pidfd_.get(); }
    explicit operator bool() const noexcept { return pid_ > 0; }

    // Blocks until the child exits; returns its wait status. The child is no
    // longer owned afterwards.
    int wait();
    // The child keeps running and is no longer ours to reap.
    void release() noexcept
    {
        pid_ = -1;
        pidfd_.reset();
    }
    void kill_and_reap() noexcept;

private:
    pid_t pid_ = -1;
    unique_fd pidfd_;
};

} // namespace oci::util
