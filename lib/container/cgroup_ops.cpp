// The commands that act on a container through its cgroup: pause, resume,
// ps, events --stats and update.
#include "cgroups/driver.hpp"
#include "container/state_store.hpp"

#include <oci/error.hpp>
#include <oci/runtime.hpp>

#include <fcntl.h>
#include <unistd.h>

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
    return cgroups::open_driver(rec.cgroup);
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
