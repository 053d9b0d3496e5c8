#include "container/start_channel.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace oci::core {

namespace {

util::unique_fd make_fifo(const StateDir& dir, const char* name)
{
    if (::mkfifoat(dir.fd(), name, 0600) < 0)
        throw_errno("create " + dir.path() + "/" + name);
    // Read-write: opening never blocks, and the init's read waits for start's byte.
    util::unique_fd fd(::openat(dir.fd(), name, O_RDWR | O_CLOEXEC | O_NOFOLLOW));
    if (!fd)
        throw_errno("open " + dir.path() + "/" + name);
    return fd;
}

} // namespace

StartChannel StartChannel::fifos(const StateDir& dir)
{
    StartChannel c;
    c.init_wait = make_fifo(dir, kExecFifo);
    c.init_status = make_fifo(dir, kStartStatus);
    return c;
}

StartChannel StartChannel::pipes()
{
    int wait_pipe[2], status_pipe[2];
    if (::pipe2(wait_pipe, O_CLOEXEC) < 0)
        throw_errno("create the start pipe");
    StartChannel c;
    c.init_wait.reset(wait_pipe[0]);
    c.release.reset(wait_pipe[1]);
    if (::pipe2(status_pipe, O_CLOEXEC) < 0)
        throw_errno("create the start status pipe");
    c.status.reset(status_pipe[0]);
    c.init_status.reset(status_pipe[1]);
    return c;
}

void release_init(int fd)
{
    if (::write(fd, "0", 1) != 1)
        throw_errno("release the container init");
}

void wait_for_exec(int status_fd, int init_pidfd)
{
    std::string message;
    for (;;) {
        pollfd fds[2] = {{status_fd, POLLIN, 0}, {init_pidfd, POLLIN, 0}};
        if (::poll(fds, init_pidfd >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("wait for the container process");
        }
        if (fds[0].revents) {
            char buf[4096];
            ssize_t n = ::read(status_fd, buf, sizeof buf);
            if (n > 0) {
                message.append(buf, static_cast<size_t>(n));
                continue;
            }
            if (n == 0 || errno != EAGAIN)
                break;
        }
        if (fds[1].revents) {
            // The init is gone: whatever it wrote is already in the channel.
            char buf[4096];
            ssize_t n;
            while ((n = ::read(status_fd, buf, sizeof buf)) > 0)
                message.append(buf, static_cast<size_t>(n));
            if (message.empty())
                message = "container process exited before it ran";
            break;
        }
    }
    if (!message.empty())
        throw Error(message);
}

} // namespace oci::core
