// Choosing and placing a driver; the signal-each fallback of kill_all.
#include "cgroups/driver.hpp"

#include "cgroups/path.hpp"
#include "util/fs.hpp"

#include <oci/error.hpp>
#include <oci/log.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace oci::cgroups {

void Driver::signal_each(int signal)
{
    // Freezing first keeps processes from forking past the signal (runc).
    bool froze = false;
    if (!frozen()) {
        try {
            freeze();
            froze = true;
        } catch (const Error& e) {
            log_debug(std::string("kill_all: signalling without freezing: ") + e.what());
        }
    }
    int failed_errno = 0;
    pid_t failed_pid = 0;
    for (pid_t pid : pids())
        if (::kill(pid, signal) < 0 && errno != ESRCH && failed_errno == 0) {
            failed_errno = errno;
            failed_pid = pid;
        }
    if (froze)
        thaw();
    if (failed_errno != 0)
        throw_errno("signal " + std::to_string(signal) + " to process " + std::to_string(failed_pid), failed_errno);
}

Placement place(const Layout& layout, const std::string& cgroups_path, const std::string& id,
                const std::string& proc_self_cgroup)
{
    std::string normalized = normalize_cgroups_path(cgroups_path, id);
    auto own = parse_proc_cgroup(proc_self_cgroup);
    Placement placement;
    for (const auto& h : layout.v1)
        placement[h.dir] = path_in_hierarchy(normalized, own_path(own, h), false);
    if (layout.unified)
        placement[layout.unified->dir] = path_in_hierarchy(normalized, own_path(own, *layout.unified), true);
    return placement;
}

Placement place_everywhere(const Layout& layout, const std::string& path)
{
    Placement placement;
    for (const auto& h : layout.v1)
        placement[h.dir] = path;
    if (layout.unified)
        placement[layout.unified->dir] = path;
    return placement;
}

std::unique_ptr<Driver> make_driver(const Layout& layout, const Placement& placement, const DriverOptions& options)
{
    if (placement.count(kSystemdUnitKey) != 0)
        return open_systemd_driver(layout, placement, options);
    if (layout.mode == Mode::unified)
        return make_v2_driver(layout, placement, options);
    return make_v1_driver(layout, placement, options);
}

std::unique_ptr<Driver> make_driver(const std::string& cgroups_path, const std::string& id,
                                    const DriverOptions& options)
{
    Layout layout = detect_layout(options.root);
    if (options.systemd)
        return make_systemd_driver(layout, cgroups_path, id, options);
    Placement placement = place(layout, cgroups_path, id, util::read_file("/proc/self/cgroup"));
    return make_driver(layout, placement, options);
}

std::unique_ptr<Driver> open_driver(const Placement& placement, const std::optional<Layout>& layout,
                                    const DriverOptions& options)
{
    return make_driver(layout ? *layout : detect_layout(options.root), placement, options);
}

void join_tasks_files(std::vector<TasksFile>& files)
{
    for (auto& f : files) {
        if (!f.fd)
            f.fd.reset(::open(f.path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!f.fd)
            throw_errno("join cgroup: open " + f.path);
        if (::write(f.fd.get(), "0", 1) != 1)
            throw_errno("join cgroup: write 0 to " + f.path);
        f.fd.reset();
    }
}

} // namespace oci::cgroups
