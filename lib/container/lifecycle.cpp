// Runtime: create, start, state, list, kill, delete. Status transitions are
// checked here, each under the container's lock.
#include "cgroups/driver.hpp"
#include "container/create.hpp"
#include "container/hooks.hpp"
#include "container/notify_socket.hpp"
#include "container/processes.hpp"
#include "container/start_channel.hpp"
#include "container/state_store.hpp"
#include "spec/json_writer.hpp"
#include "util/fault_point.hpp"
#include "util/fs.hpp"
#include "util/pidfd.hpp"

#include <oci/error.hpp>
#include <oci/runtime.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace oci {

using core::Record;
using core::StateDir;

namespace {

// The hooks kept at create for start and delete.
spec::Hooks kept_hooks(const StateDir& dir)
{
    return spec::parse_config(util::read_file_at(dir.fd(), core::kConfigCopy), dir.path() + "/config.json").hooks;
}

Error not_found(const std::string& id)
{
    return Error("container " + id + " does not exist", ENOENT);
}

// nullopt when the runtime root itself does not exist yet.
std::optional<util::unique_fd> open_root_if_any(const std::string& root)
{
    util::unique_fd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT)
            return std::nullopt;
        throw_errno("open state root " + root);
    }
    return fd;
}

} // namespace

std::string state_to_json(const State& s)
{
    spec::json::Writer w(true);
    w.begin_object();
    w.key("ociVersion"); w.string(s.oci_version);
    w.key("id"); w.string(s.id);
    w.key("pid"); w.integer(s.pid);
    w.key("status"); w.string(to_string(s.status));
    w.key("bundle"); w.string(s.bundle);
    w.key("rootfs"); w.string(s.rootfs);
    w.key("created"); w.string(s.created);
    w.key("owner"); w.string(s.owner);
    if (!s.annotations.empty()) {
        w.key("annotations");
        w.string_map(s.annotations);
    }
    w.end_object();
    return w.text();
}

Runtime::Runtime(RuntimeOptions options) : options_(std::move(options)) {}

void Runtime::create(const std::string& id, const CreateOptions& options)
{
    with_context("create " + id, [&] {
        auto created = core::create_container(options_, id, options, false);
        created.init.release();   // it is the container now, not our child to kill
    });
}

void Runtime::start(const std::string& id)
{
    start(id, StartOptions{});
}

void Runtime::start(const std::string& id, const StartOptions& options)
{
    std::optional<core::NotifyProxy> notify;
    pid_t init = 0;
    with_context("start " + id, [&] {
        validate_container_id(id);
        auto root = open_root_if_any(options_.root);
        auto dir = root ? StateDir::open_locked(root->get(), options_.root, id) : std::nullopt;
        if (!dir)
            throw not_found(id);
        auto rec = dir->read();
        if (!rec)
            throw Error("container " + id + " is still being created");
        util::fault_point("start.after_lock");
        switch (core::live_status(*rec)) {
        case Status::created: break;
        case Status::stopped: throw Error("cannot start a container that has stopped");
        case Status::creating: throw Error("container " + id + " is still being created");
        default: throw Error("cannot start an already running container");
        }
        // Opened before the start byte so the init's EOF cannot be missed.
        util::unique_fd status(::openat(dir->fd(), core::kStartStatus, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW));
        if (!status)
            throw_errno("open " + dir->path() + "/" + core::kStartStatus);
        // Bound before the process runs, so that no early READY is lost.
        if (!options.notify_socket.empty())
            notify = core::NotifyProxy::bind(dir->path(), options.notify_socket);
        init = rec->pid;
        // Non-blocking: with no reader (the init died) this fails at once
        // with ENXIO instead of hanging.
        util::unique_fd fifo(::openat(dir->fd(), core::kExecFifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW));
        if (!fifo)
            throw_errno("container init is not waiting to start");
        util::fault_point("start.before_release");
        core::release_init(fifo.get());
        util::fault_point("start.after_release");
        // From here on the container reads as running (state_store.cpp).
        ::unlinkat(dir->fd(), core::kExecFifo, 0);
        rec->status = Status::running;
        util::unique_fd pidfd(util::pidfd_open(rec->pid));
        core::wait_for_exec(status.get(), pidfd.get());
        util::fault_point("start.after_exec");
        ::unlinkat(dir->fd(), core::kStartStatus, 0);
        if (rec->has_hooks) {
            spec::Hooks hooks = kept_hooks(*dir);
            std::string state = state_to_json(core::to_public_state(*rec));
            try {
                core::run_hooks(hooks.poststart, "poststart", state);
                util::fault_point("start.after_poststart_hooks");
            } catch (const Error&) {
                // The spec: a failed poststart stops the container and deletes it.
                core::kill_and_wait(*rec);
                if (!rec->cgroup.empty())
                    cgroups::open_driver(rec->cgroup, rec->cgroup_layout)->destroy();
                dir->remove(root->get());
                rec->status = Status::stopped;
                rec->pid = 0;
                core::run_hooks_best_effort(hooks.poststop, "poststop", state_to_json(core::to_public_state(*rec)));
                throw;
            }
        }
    });
    // Outside the lock: delete must not wait for the container's READY.
    if (notify)
        with_context("start " + id + ": forward READY", [&] { core::forward_ready_or_exit(*notify, init); });
}

State Runtime::state(const std::string& id) const
{
    validate_container_id(id);
    auto root = open_root_if_any(options_.root);
    auto rec = root ? core::read_record_unlocked(root->get(), id) : std::nullopt;
    if (!rec)
        throw not_found(id);
    return core::to_public_state(*rec);
}

std::vector<State> Runtime::list() const
{
    std::vector<State> out;
    auto root = open_root_if_any(options_.root);
    if (!root)
        return out;
    DIR* dir = ::fdopendir(::dup(root->get()));
    if (dir == nullptr)
        throw_errno("list " + options_.root);
    std::vector<std::string> ids;
    while (dirent* e = ::readdir(dir))
        if (e->d_type == DT_DIR && e->d_name[0] != '.')
            ids.emplace_back(e->d_name);
    ::closedir(dir);
    std::sort(ids.begin(), ids.end());
    for (const auto& id : ids) {
        try {
            if (auto rec = core::read_record_unlocked(root->get(), id))
                out.push_back(core::to_public_state(*rec));
        } catch (const Error&) {
            // Deleted while we looked, or unreadable: not a container to list.
        }
    }
    return out;
}

void Runtime::kill(const std::string& id, int signal, bool all)
{
    with_context("kill " + id, [&] {
        validate_container_id(id);
        auto root = open_root_if_any(options_.root);
        auto rec = root ? core::read_record_unlocked(root->get(), id) : std::nullopt;
        if (!rec)
            throw not_found(id);
        Status status = core::live_status(*rec);
        if (status == Status::stopped || status == Status::creating)
            throw Error("container not running");
        core::signal_container(*rec, signal, all);
    });
}

void Runtime::remove(const std::string& id, bool force)
{
    with_context("delete " + id, [&] {
        validate_container_id(id);
        auto root = open_root_if_any(options_.root);
        auto dir = root ? StateDir::open_locked(root->get(), options_.root, id) : std::nullopt;
        if (!dir) {
            if (force)
                return;
            throw not_found(id);
        }
        // We hold the lock: a create that has not recorded the container
        // finished or died, and what it left is ours to clear.
        auto rec = dir->read();
        util::fault_point("delete.after_lock");
        if (rec) {
            Status status = core::live_status(*rec);
            if ((status == Status::running || status == Status::paused) && !force)
                throw Error("cannot delete container " + id + " that is not stopped: " + to_string(status));
            // A frozen process cannot die: thaw it first.
            if (status == Status::paused && !rec->cgroup.empty())
                cgroups::open_driver(rec->cgroup, rec->cgroup_layout)->thaw();
            if (!core::kill_and_wait(*rec))
                throw Error("container " + id + " did not stop after SIGKILL");
            util::fault_point("delete.after_kill");
            // Kills what is left in the cgroup (a container without its own
            // pid namespace may have more than the init) and removes it.
            if (!rec->cgroup.empty())
                cgroups::open_driver(rec->cgroup, rec->cgroup_layout)->destroy();
            util::fault_point("delete.after_cgroup");
        }
        std::optional<spec::Hooks> hooks;
        if (rec && rec->has_hooks)
            hooks = kept_hooks(*dir);
        dir->remove(root->get());
        util::fault_point("delete.after_remove");
        if (hooks) {
            rec->status = Status::stopped;
            rec->pid = 0;
            core::run_hooks_best_effort(hooks->poststop, "poststop", state_to_json(core::to_public_state(*rec)));
            util::fault_point("delete.after_poststop_hooks");
        }
    });
}

} // namespace oci
