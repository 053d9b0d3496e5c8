// run: create + start, then (in the foreground) be the container's parent:
// forward signals, proxy the terminal, reap, and delete the container when
// its process exits, returning its exit code.
#include "cgroups/driver.hpp"
#include "container/create.hpp"
#include "container/hooks.hpp"
#include "container/start_channel.hpp"
#include "util/fault_point.hpp"
#include "container/notify_socket.hpp"
#include "container/supervise.hpp"
#include "spec/json_reader.hpp"
#include "util/fs.hpp"

#include <oci/error.hpp>
#include <oci/runtime.hpp>

#include <sys/prctl.h>

namespace oci {

namespace {

// `start` without a second look at the state directory: create's pipes
// release the init and report its exec. The state reads "running" from here
// on, as after a `start`: it says created, and there is no exec.fifo.
void start_in_process(core::CreatedContainer& created)
{
    if (created.release) {
        core::release_init(created.release.get());
        created.release.reset();
    }
    core::wait_for_exec(created.exec_status.get(), created.init.pidfd());
    created.exec_status.reset();
    if (!created.poststart.empty()) {
        core::Record running = created.record;
        running.status = Status::running;
        // A failure is run's: it kills the container and deletes it, poststop hooks included.
        core::run_hooks(created.poststart, "poststart", state_to_json(core::to_public_state(running)));
    }
}

// Deletes the container that run created, after its exit, with what create
// kept: no second lookup of its state directory, no reading back of its
// record. False where remove() has to do it: poststop hooks need the config
// copy, or create kept nothing.
bool delete_own(core::CreatedContainer& created)
{
    if (!created.state || !created.state_root || created.record.has_hooks)
        return false;
    const core::Record& rec = created.record;
    // Deleted meanwhile, and the directory perhaps taken from the spare by
    // another container of the same id: what was ours is gone already, and
    // the rest is not ours. Our record is the one with our creation time
    // (to the nanosecond) and our init.
    if (!created.state->relock(created.state_root.get()))
        return true;
    std::string path = created.state->path() + "/" + core::kStateFile;
    auto text = util::read_file_if_exists(path);
    if (!text)
        return true;
    // A look for the two as our writer puts them, else the parsed record decides.
    bool ours = text->find(spec::json::quote(rec.created)) != std::string::npos &&
                text->find("\"pid\":" + std::to_string(rec.pid) + ",") != std::string::npos;
    if (!ours) {
        try {
            core::Record on_disk = core::record_from_json(*text, path);
            ours = on_disk.created == rec.created && on_disk.pid == rec.pid;
        } catch (const Error&) {
        }
    }
    if (!ours)
        return true;
    // Kills what is left in the cgroup (a container without its own pid
    // namespace may have more than the init) and removes it.
    if (!rec.cgroup.empty())
        cgroups::open_driver(rec.cgroup, rec.cgroup_layout)->destroy();
    created.state->remove(created.state_root.get());
    return true;
}

} // namespace

int Runtime::run(const std::string& id, const RunOptions& options)
{
    if (options.detach) {
        create(id, options.create);
        start(id, StartOptions{options.create.notify_socket});
        return 0;
    }
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    core::SignalScope signals;
    // Started by create itself, unless the notify proxy must be listening first.
    bool start_at_once = options.create.notify_socket.empty();
    core::CreatedContainer created = with_context(
        "create " + id, [&] { return core::create_container(options_, id, options.create, true, start_at_once); });
    pid_t init = created.init.pid();
    int exit_code;
    try {
        std::optional<core::NotifyProxy> notify;
        if (!options.create.notify_socket.empty())
            notify = core::NotifyProxy::bind(options_.root + "/" + id, options.create.notify_socket);
        if (!start_at_once)
            util::fault_point("run.before_start");
        start_in_process(created);
        exit_code = core::supervise(init, created.init.pidfd(), signals.fd(), created.pty_master.get(),
                                    notify ? &*notify : nullptr);
        created.init.release();   // reaped by supervise
    } catch (...) {
        created.init.kill_and_reap();
        try {
            remove(id, true);
        } catch (...) {
        }
        throw;
    }
    util::fault_point("run.before_delete");
    if (!with_context("delete " + id, [&] { return delete_own(created); }))
        remove(id, true);
    return exit_code;
}

} // namespace oci
