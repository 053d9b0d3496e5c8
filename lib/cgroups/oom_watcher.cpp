#include "cgroups/oom_watcher.hpp"

#include "cgroups/cgroup_fs.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace oci::cgroups {

namespace {

class V1OomWatcher final : public OomWatcher {
public:
    explicit V1OomWatcher(std::string dir) : dir_(std::move(dir))
    {
        event_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
        if (!event_)
            throw_errno("eventfd for OOM notifications");
        oom_control_.reset(::open((dir_ + "/memory.oom_control").c_str(), O_RDONLY | O_CLOEXEC));
        if (!oom_control_)
            throw_errno("open " + dir_ + "/memory.oom_control");
        util::unique_fd control(::open((dir_ + "/cgroup.event_control").c_str(), O_WRONLY | O_CLOEXEC));
        if (!control)
            throw_errno("open " + dir_ + "/cgroup.event_control");
        std::string line = std::to_string(event_.get()) + " " + std::to_string(oom_control_.get());
        if (::write(control.get(), line.data(), line.size()) < 0)
            throw_errno("write \"" + line + "\" to " + dir_ + "/cgroup.event_control");
    }

    int fd() const override { return event_.get(); }

    uint64_t count() override
    {
        uint64_t n = 0;
        if (::read(event_.get(), &n, sizeof n) != static_cast<ssize_t>(sizeof n))
            return 0;
        // The kernel also signals the eventfd when the cgroup is removed.
        if (::access((dir_ + "/cgroup.event_control").c_str(), F_OK) != 0)
            return 0;
        return n;
    }

private:
    std::string dir_;
    util::unique_fd event_;
    util::unique_fd oom_control_;
};

class V2OomWatcher final : public OomWatcher {
public:
    explicit V2OomWatcher(std::string dir) : path_(std::move(dir) + "/memory.events")
    {
        inotify_.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
        if (!inotify_)
            throw_errno("inotify for OOM notifications");
        if (::inotify_add_watch(inotify_.get(), path_.c_str(), IN_MODIFY) < 0)
            throw_errno("watch " + path_);
        seen_ = oom_kills();
    }

    int fd() const override { return inotify_.get(); }

    uint64_t count() override
    {
        alignas(inotify_event) char buf[4096];
        while (::read(inotify_.get(), buf, sizeof buf) > 0) {
        }
        uint64_t now = oom_kills();
        uint64_t delta = now > seen_ ? now - seen_ : 0;
        seen_ = std::max(now, seen_);
        return delta;
    }

private:
    // The cgroup is gone once the container is: nothing more to count.
    uint64_t oom_kills() const
    {
        try {
            auto keyed = parse_keyed(read_cgroup_file(path_));
            auto it = keyed.find("oom_kill");
            return it == keyed.end() ? 0 : parse_counter(it->second);
        } catch (const Error&) {
            return seen_;
        }
    }

    std::string path_;
    util::unique_fd inotify_;
    uint64_t seen_ = 0;
};

} // namespace

std::unique_ptr<OomWatcher> watch_oom_v1(const std::string& dir)
{
    return std::make_unique<V1OomWatcher>(dir);
}

std::unique_ptr<OomWatcher> watch_oom_v2(const std::string& dir)
{
    return std::make_unique<V2OomWatcher>(dir);
}

} // namespace oci::cgroups
