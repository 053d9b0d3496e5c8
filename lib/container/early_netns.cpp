#include "container/early_netns.hpp"

#include "linux/raw_syscall.hpp"

#include <oci/error.hpp>

#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cstring>

namespace oci::core {

namespace {

// Enough for make_netns, which calls nothing but the kernel.
constexpr std::size_t maker_stack_size = 64 * 1024;

int fail(EarlyNetns::Result& r, long rc, const char* step)
{
    r.err = static_cast<int>(-rc);
    r.failed = step;
    return 1;
}

// The maker's body. It shares our memory, thread-local storage included, so
// it makes raw system calls only: the C library's wrappers would set our errno.
int make_netns(void* arg)
{
    auto& r = *static_cast<EarlyNetns::Result*>(arg);
    long rc = sys::raw_syscall(SYS_unshare, CLONE_NEWNET);
    if (rc < 0)
        return fail(r, rc, "create the network namespace");
    long sock = sys::raw_syscall(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return fail(r, sock, "bring up loopback: socket");
    struct ifreq req;
    std::memset(&req, 0, sizeof req);
    std::memcpy(req.ifr_name, "lo", 3);
    long req_arg = reinterpret_cast<long>(&req);
    rc = sys::raw_syscall(SYS_ioctl, sock, SIOCGIFFLAGS, req_arg);
    if (rc < 0) {
        sys::raw_syscall(SYS_close, sock);
        return fail(r, rc, "bring up loopback: read the flags of lo");
    }
    req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
    rc = sys::raw_syscall(SYS_ioctl, sock, SIOCSIFFLAGS, req_arg);
    // The socket's namespace is the new one: its fd, O_CLOEXEC, without procfs.
    long ns = rc < 0 ? rc : sys::raw_syscall(SYS_ioctl, sock, SIOCGSKNS);
    sys::raw_syscall(SYS_close, sock);
    if (rc < 0)
        return fail(r, rc, "bring up loopback: set lo up");
    if (ns < 0)
        return fail(r, ns, "open the new network namespace");
    r.ns_fd = static_cast<int>(ns);
    return 0;
}

} // namespace

EarlyNetns::EarlyNetns() : stack_(new char[maker_stack_size])
{
    int pidfd = -1;
    // The stack grows down from its end, which the ABI wants 16-byte aligned.
    auto top = reinterpret_cast<std::uintptr_t>(stack_.get() + maker_stack_size) & ~std::uintptr_t(15);
    pid_t pid = ::clone(make_netns, reinterpret_cast<void*>(top), CLONE_VM | CLONE_FILES | CLONE_PIDFD | SIGCHLD,
                        &result_, &pidfd);
    if (pid < 0)
        throw_errno("clone the network namespace maker");
    maker_ = util::OwnedChild(pid, util::unique_fd(pidfd));
}

EarlyNetns::~EarlyNetns()
{
    // Reaped first: then nothing writes the result any more.
    maker_.kill_and_reap();
    if (result_.ns_fd >= 0)
        ::close(result_.ns_fd);
}

util::unique_fd EarlyNetns::take()
{
    int status = maker_.wait();
    if (result_.failed)
        throw_errno(result_.failed, result_.err);
    if (result_.ns_fd < 0)
        throw Error("the network namespace maker exited without its namespace (status " +
                    std::to_string(util::exit_code_of(status)) + ")");
    util::unique_fd ns(result_.ns_fd);
    result_.ns_fd = -1;
    return ns;
}

} // namespace oci::core
