// run: create + start, then (in the foreground) be the container's parent:
// forward signals, proxy the terminal, reap, and delete the container when
// its process exits, returning its exit code.
#include "container/create.hpp"
#include "container/hooks.hpp"
#include "container/start_channel.hpp"
#include "util/fault_point.hpp"
#include "container/notify_socket.hpp"
#include "container/supervise.hpp"

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
    remove(id, true);
    return exit_code;
}

} // namespace oci
