#include "container/processes.hpp"

#include "cgroups/driver.hpp"
#include "util/pidfd.hpp"

#include <oci/error.hpp>

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace oci::core {

namespace {

} // namespace

util::unique_fd open_init_pidfd(const Record& r)
{
    if (r.pid <= 0)
        return {};
    util::unique_fd fd(util::pidfd_open(r.pid));
    if (!fd)
        return {};
    // Checked after opening: from here the pidfd cannot be redirected.
    if (process_start_time(r.pid) != r.pid_start_time)
        return {};
    return fd;
}

namespace {

bool same_ns(const struct stat& a, pid_t pid)
{
    struct stat b;
    std::string p = "/proc/" + std::to_string(pid) + "/ns/pid";
    return ::stat(p.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

std::vector<pid_t> others_in_pid_ns(pid_t init)
{
    std::vector<pid_t> out;
    struct stat ns;
    std::string p = "/proc/" + std::to_string(init) + "/ns/pid";
    if (::stat(p.c_str(), &ns) < 0)
        return out;
    DIR* dir = ::opendir("/proc");
    if (dir == nullptr)
        return out;
    while (dirent* e = ::readdir(dir)) {
        char* end;
        long pid = std::strtol(e->d_name, &end, 10);
        if (*end != '\0' || pid <= 0 || pid == init)
            continue;
        if (same_ns(ns, static_cast<pid_t>(pid)))
            out.push_back(static_cast<pid_t>(pid));
    }
    ::closedir(dir);
    return out;
}

} // namespace

void signal_container(const Record& r, int signal, bool all)
{
    util::unique_fd init = open_init_pidfd(r);
    if (!init)
        throw Error("container not running");
    if (all && !r.cgroup.empty()) {
        cgroups::open_driver(r.cgroup, r.cgroup_layout)->kill_all(signal);
        return;
    }
    if (all && r.own_pid_ns) {
        for (pid_t pid : others_in_pid_ns(r.pid)) {
            util::unique_fd fd(util::pidfd_open(pid));
            if (fd)
                util::pidfd_send_signal(fd.get(), signal);
        }
    }
    if (util::pidfd_send_signal(init.get(), signal) < 0 && errno != ESRCH)
        throw_errno("send signal " + std::to_string(signal) + " to the container");
}

bool kill_and_wait(const Record& r)
{
    util::unique_fd init = open_init_pidfd(r);
    if (!init)
        return true;
    util::pidfd_send_signal(init.get(), SIGKILL);   // takes the whole pid namespace with it
    pollfd p{init.get(), POLLIN, 0};
    for (int waited = 0; waited < 10000; waited += 100) {
        int n = ::poll(&p, 1, 100);
        if (n > 0)
            return true;
        if (n < 0 && errno != EINTR)
            break;
    }
    return false;
}

} // namespace oci::core
