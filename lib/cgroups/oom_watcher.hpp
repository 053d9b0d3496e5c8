// Notices OOM kills in one cgroup, as runc's `events` does: on v1 through
// memory.oom_control registered with cgroup.event_control (an eventfd the
// kernel signals on each OOM), on cgroup2 through the oom_kill counter of
// memory.events, watched with inotify (the kernel reports changes to it as
// IN_MODIFY). fd() is for poll(); count() says how many OOMs happened since
// the last call and may be called at any time (a periodic check).
#pragma once

#include "util/unique_fd.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace oci::cgroups {

class OomWatcher {
public:
    virtual ~OomWatcher() = default;
    // Readable when something may have happened.
    virtual int fd() const = 0;
    // OOM events since the last call (or since the watch began); never blocks.
    virtual uint64_t count() = 0;
};

// `dir` is the container's cgroup in the v1 memory hierarchy.
std::unique_ptr<OomWatcher> watch_oom_v1(const std::string& dir);
// `dir` is the container's cgroup2 directory (with the memory controller).
std::unique_ptr<OomWatcher> watch_oom_v2(const std::string& dir);

} // namespace oci::cgroups
