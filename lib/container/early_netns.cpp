#include "container/early_netns.hpp"

#include "linux/netns_at_entry.hpp"
#include "util/fd_message.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

namespace oci::core {

namespace {

// Enough for make_netns, which calls nothing but the kernel.
constexpr std::size_t maker_stack_size = 64 * 1024;

// The maker's body. It shares our memory, thread-local storage included, so
// it makes raw system calls only: the C library's wrappers would set our errno.
int make_netns(void* arg)
{
    auto& r = *static_cast<EarlyNetns::Result*>(arg);
    r.err = sys::make_netns_with_loopback(r.ns_fd, r.step);
    return r.err == 0 ? 0 : 1;
}

const char* step_name(int step)
{
    switch (step) {
    case sys::kNetnsUnshare:
        return "create the network namespace";
    case sys::kNetnsSocket:
        return "bring up loopback: socket";
    case sys::kNetnsReadFlags:
        return "bring up loopback: read the flags of lo";
    case sys::kNetnsSetUp:
        return "bring up loopback: set lo up";
    default:
        return "open the new network namespace";
    }
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
    if (result_.err != 0)
        throw_errno(step_name(result_.step), result_.err);
    if (result_.ns_fd < 0)
        throw Error("the network namespace maker exited without its namespace (status " +
                    std::to_string(util::exit_code_of(status)) + ")");
    util::unique_fd ns(result_.ns_fd);
    result_.ns_fd = -1;
    return ns;
}

namespace {

// Held from the claim to create's take. A maker not taken by then is killed
// and reaped at exit, by the process that claimed it only: a forked child of
// ours that exits must leave it alone.
struct EntrySlot {
    std::optional<EntryNetns> netns;
    pid_t owner = 0;
    ~EntrySlot()
    {
        if (netns && owner != ::getpid())
            netns->disown();
    }
};

EntrySlot& entry_slot()
{
    static EntrySlot slot;
    return slot;
}

// "<sock>,<pid>", both positive decimal numbers.
bool parse_entry_value(const char* value, int& sock, pid_t& pid)
{
    char* end = nullptr;
    errno = 0;
    long s = std::strtol(value, &end, 10);
    if (end == value || *end != ',' || s < 0 || s > INT_MAX || errno != 0)
        return false;
    const char* rest = end + 1;
    long p = std::strtol(rest, &end, 10);
    if (end == rest || *end != '\0' || p <= 0 || p > INT_MAX || errno != 0)
        return false;
    sock = static_cast<int>(s);
    pid = static_cast<pid_t>(p);
    return true;
}

} // namespace

util::unique_fd EntryNetns::take()
{
    sys::NetnsAtEntryReport report{};
    util::unique_fd ns;
    // The maker exits with what we parked in its queue unread: the ECONNRESET
    // that recv_with_fd reads past.
    ssize_t n = util::recv_with_fd(sock_.get(), &report, sizeof report, ns);
    sock_.reset();
    if (n < 0)
        throw_errno("receive the network namespace", static_cast<int>(-n));
    if (n == static_cast<ssize_t>(sizeof report) && report.err != 0)
        throw_errno(step_name(report.step), report.err);
    if (n != static_cast<ssize_t>(sizeof report) || !ns)
        throw Error("the network namespace maker exited without its namespace (status " +
                    std::to_string(util::exit_code_of(maker_.wait())) + ")");
    // The maker is reaped with this object, not waited for here: its exit
    // pays for the view's mount parked with it (an RCU grace period, longer
    // still while a CPU is busy in the kernel).
    return ns;
}

void claim_netns_from_entry()
{
    const char* value = std::getenv(sys::kNetnsAtEntry);
    if (value == nullptr)
        return;
    int sock = -1;
    pid_t pid = 0;
    bool parsed = parse_entry_value(value, sock, pid);
    ::unsetenv(sys::kNetnsAtEntry);
    // Only a child of ours on a socket of ours: the variable could have come
    // from elsewhere, and a pid that is not our child must never be killed.
    siginfo_t info{};
    struct stat st;
    if (!parsed || ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT | __WALL) < 0 ||
        ::fstat(sock, &st) < 0 || !S_ISSOCK(st.st_mode) || ::fcntl(sock, F_SETFD, FD_CLOEXEC) < 0)
        return;
    EntrySlot& slot = entry_slot();
    slot.netns.emplace(util::unique_fd(sock), pid);
    slot.owner = ::getpid();
}

std::optional<EntryNetns> take_netns_from_entry()
{
    EntrySlot& slot = entry_slot();
    std::optional<EntryNetns> out = std::move(slot.netns);
    slot.netns.reset();
    return out;
}

} // namespace oci::core
