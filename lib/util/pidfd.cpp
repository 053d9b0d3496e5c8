// pidfd wrappers and OwnedChild.
#include "util/pidfd.hpp"

#include <oci/error.hpp>

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace oci::util {

int pidfd_open(pid_t pid)
{
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

int pidfd_send_signal(int pidfd, int sig)
{
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

int exit_code_of(int wait_status)
{
    if (WIFEXITED(wait_status))
        return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status))
        return 128 + WTERMSIG(wait_status);
    return 255;
}

int OwnedChild::wait()
{
    int status = 0;
    for (;;) {
        pid_t r = ::waitpid(pid_, &status, __WALL);
        if (r == pid_)
            break;
        if (r < 0 && errno != EINTR)
            throw_errno("wait for process " + std::to_string(pid_));
    }
    pid_ = -1;
    pidfd_.reset();
    return status;
}

void OwnedChild::kill_and_reap() noexcept
{
    if (pid_ <= 0)
        return;
    if (pidfd_)
        pidfd_send_signal(pidfd_.get(), SIGKILL);
    else
        ::kill(pid_, SIGKILL);
    int status;
    while (::waitpid(pid_, &status, __WALL) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    pidfd_.reset();
}

} // namespace oci::util
