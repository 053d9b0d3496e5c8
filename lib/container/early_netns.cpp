#include "container/early_netns.hpp"

#include "container/process_setup.hpp"
#include "container/spawn.hpp"
#include "container/sync_socket.hpp"
#include "linux/loopback.hpp"
#include "linux/proc_fd.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

namespace oci::core {

EarlyNetns::EarlyNetns()
{
    util::unique_fd child_sock;
    make_socketpair(sock_, child_sock);
    int pidfd = -1;
    pid_t pid = clone_with_pidfd(0, pidfd);
    if (pid == 0) {
        int sync_fd = child_sock.get();
        run_child(sync_fd, [&] {
            if (::unshare(CLONE_NEWNET) < 0)
                throw_errno("create the network namespace");
            sys::bring_up_loopback();
            util::unique_fd proc = sys::open_trusted_proc();
            util::unique_fd ns(::openat(proc.get(), "thread-self/ns/net", O_RDONLY | O_CLOEXEC));
            if (!ns)
                throw_errno("open the new network namespace");
            send_msg(sync_fd, Msg::namespace_fd, 0, {}, ns.get());
            ::_exit(0);
        });
    }
    maker_ = util::OwnedChild(pid, util::unique_fd(pidfd));
}

util::unique_fd EarlyNetns::take()
{
    Message m;
    // The maker is reaped with this object: its exit (a detached procfs
    // unmounted among the rest) need not hold up the init.
    if (!recv_msg(sock_.get(), m)) {
        maker_.wait();
        throw Error("the network namespace maker exited without a word");
    }
    if (m.type == Msg::error)
        throw Error(m.text, m.err);
    if (m.type != Msg::namespace_fd || !m.fd)
        throw Error("the network namespace maker sent an unexpected message");
    return std::move(m.fd);
}

} // namespace oci::core
