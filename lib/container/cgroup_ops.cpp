// The commands that act on a container through its cgroup: pause, resume,
// ps, events (stats and OOM kills) and update.
#include "cgroups/driver.hpp"
#include "container/state_store.hpp"

#include <oci/error.hpp>
#include <oci/log.hpp>
#include <oci/runtime.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace oci {

using core::Record;
using core::StateDir;

namespace {

struct Locked {
    util::unique_fd root;
    StateDir dir;
    Record record;
};

Locked lock_container(const std::string& root_path, const std::string& id)
{
    validate_container_id(id);
    util::unique_fd root(::open(root_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    auto dir = root ? StateDir::open_locked(root.get(), root_path, id) : std::nullopt;
    auto rec = dir ? dir->read() : std::nullopt;
    if (!rec)
        throw Error("container " + id + " does not exist", ENOENT);
    return Locked{std::move(root), std::move(*dir), std::move(*rec)};
}

Record read_container(const std::string& root_path, const std::string& id)
{
    validate_container_id(id);
    util::unique_fd root(::open(root_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    auto rec = root ? core::read_record_unlocked(root.get(), id) : std::nullopt;
    if (!rec)
        throw Error("container " + id + " does not exist", ENOENT);
    return *rec;
}

std::unique_ptr<cgroups::Driver> driver_of(const Record& rec)
{
    if (rec.cgroup.empty())
        throw Error("container " + rec.id + " has no cgroup of its own");
    return cgroups::open_driver(rec.cgroup, rec.cgroup_layout);
}

} // namespace

void Runtime::pause(const std::string& id)
{
    with_context("pause " + id, [&] {
        Locked c = lock_container(options_.root, id);
        Status status = core::live_status(c.record);
        if (status != Status::running && status != Status::created)
            throw Error(std::string("container not running: ") + to_string(status));
        driver_of(c.record)->freeze();
        c.record.status = Status::paused;
        c.dir.write(c.record);
    });
}

void Runtime::resume(const std::string& id)
{
    with_context("resume " + id, [&] {
        Locked c = lock_container(options_.root, id);
        if (core::live_status(c.record) != Status::paused)
            throw Error("container not paused");
        driver_of(c.record)->thaw();
        // A container paused before start resumes as created: its init still
        // waits on exec.fifo.
        c.record.status = ::faccessat(c.dir.fd(), core::kExecFifo, F_OK, 0) == 0 ? Status::created : Status::running;
        c.dir.write(c.record);
    });
}

std::vector<pid_t> Runtime::processes(const std::string& id) const
{
    return with_context("ps " + id, [&] {
        Record rec = read_container(options_.root, id);
        if (core::live_status(rec) == Status::stopped)
            return std::vector<pid_t>{};
        return driver_of(rec)->pids();
    });
}

std::string Runtime::stats_json(const std::string& id) const
{
    return with_context("events " + id, [&] {
        Record rec = read_container(options_.root, id);
        if (core::live_status(rec) == Status::stopped)
            throw Error("container not running");
        return driver_of(rec)->stats_json();
    });
}

void Runtime::events(const std::string& id, std::chrono::milliseconds interval,
                     const std::function<void(const Event&)>& emit) const
{
    using Clock = std::chrono::steady_clock;
    std::unique_ptr<cgroups::Driver> driver;
    std::unique_ptr<cgroups::OomWatcher> oom;
    with_context("events " + id, [&] {
        Record rec = read_container(options_.root, id);
        if (core::live_status(rec) == Status::stopped)
            throw Error("container not running");
        driver = driver_of(rec);
        try {
            oom = driver->watch_oom();
        } catch (const Error& e) {
            log_warning(std::string("events ") + id + ": no OOM events: " + e.what());
        }
    });
    // Gone (deleted) counts as stopped: the stream ends either way.
    auto stopped = [&] {
        std::optional<Record> rec;
        try {
            rec = read_container(options_.root, id);
        } catch (const Error&) {
        }
        return !rec || core::live_status(*rec) == Status::stopped;
    };
    auto next = Clock::now();
    for (;;) {
        if (oom)
            for (uint64_t n = oom->count(); n > 0; --n)
                emit(Event{"oom", id, ""});
        if (Clock::now() >= next) {
            if (stopped())
                return;
            std::string data;
            try {
                data = driver->stats_json();
            } catch (const Error& e) {
                if (stopped())
                    return;
                throw e.with_context("events " + id);
            }
            emit(Event{"stats", id, data});
            next = Clock::now() + interval;
        }
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
        pollfd p{oom ? oom->fd() : -1, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(std::clamp<long long>(wait, 0, 60000))) < 0 && errno != EINTR)
            throw_errno("events " + id + ": poll");
    }
}

std::string event_to_json(const Event& event)
{
    // Types are ours and ids are validated ([A-Za-z0-9_+.-]): nothing to escape.
    std::string out = "{\"type\":\"" + event.type + "\",\"id\":\"" + event.id + "\"";
    if (!event.data.empty())
        out += ",\"data\":" + event.data;
    return out + "}";
}

void Runtime::update(const std::string& id, const spec::Resources& resources)
{
    with_context("update " + id, [&] {
        Locked c = lock_container(options_.root, id);
        if (core::live_status(c.record) == Status::stopped)
            throw Error("container not running");
        driver_of(c.record)->update(resources);
    });
}

} // namespace oci
