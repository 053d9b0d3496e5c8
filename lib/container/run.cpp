// run: create + start, then (in the foreground) be the container's parent:
// forward signals, proxy the terminal, reap, and delete the container when
// its process exits, returning its exit code.
#include "container/create.hpp"
#include "container/notify_socket.hpp"
#include "container/supervise.hpp"

#include <oci/error.hpp>
#include <oci/runtime.hpp>

#include <sys/prctl.h>

namespace oci {

int Runtime::run(const std::string& id, const RunOptions& options)
{
    if (options.detach) {
        create(id, options.create);
        start(id, StartOptions{options.create.notify_socket});
        return 0;
    }
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    core::SignalScope signals;
    core::CreatedContainer created =
        with_context("create " + id, [&] { return core::create_container(options_, id, options.create, true); });
    pid_t init = created.init.pid();
    int exit_code;
    try {
        std::optional<core::NotifyProxy> notify;
        if (!options.create.notify_socket.empty())
            notify = core::NotifyProxy::bind(options_.root + "/" + id, options.create.notify_socket);
        start(id);
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
