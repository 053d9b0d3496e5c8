// The cgroup driver: one interface over the container's cgroup(s), with a
// cgroupfs implementation for v1 and hybrid hosts (every v1 hierarchy, plus
// the cgroup2 one of a hybrid host for processes and cgroup.kill) and one
// for unified hosts.
//
// Lifecycle, as the container code uses it:
//   create:  d = make_driver(cgroups_path, id); d->create(); d->apply(resources);
//            tasks = d->open_tasks_files();
//            clone3(CLONE_INTO_CGROUP, d->dir_fd_for_clone()) where it is >= 0;
//            the new process calls join_tasks_files(tasks) first thing;
//            store d->placement() and d->layout() in the state.
//   later:   d = open_driver(stored placement, layout) for update / pause / resume /
//            ps / events / kill --all / delete:
//            d->update(r); d->freeze(); d->thaw(); d->pids(); d->stats_json();
//            d->kill_all(sig); d->destroy().
// The placement is stored because a relative cgroupsPath is resolved against
// the cgroup of the runtime process that ran `create`.
//
// The systemd driver (options.systemd) differs in when things happen, as
// runc's does: systemd puts a process into a scope when it starts the unit,
// so create() only checks that systemd can be reached, apply() keeps the
// resources, dir_fd_for_clone() is -1, and the first add_process(init_pid)
// starts the transient unit with the pid and the resources as unit
// properties, then writes every resource to the unit's cgroup files as the
// cgroupfs drivers do. placement() is known from then on; it names the unit
// under kSystemdUnitKey, and open_driver() makes a systemd driver from it.
#pragma once

#include "cgroups/layout.hpp"
#include "cgroups/oom_watcher.hpp"
#include "util/unique_fd.hpp"

#include <oci/spec.hpp>

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace oci::cgroups {

struct TasksFile {
    std::string path;
    util::unique_fd fd;
};

// In the new process, before it makes any thread: "0" to each file, which it
// then closes. A file without an fd is opened by its path (the process joins
// cgroups that were made after it was born). Errors name the file.
void join_tasks_files(std::vector<TasksFile>& files);

// Where the container's cgroup is in each hierarchy: the hierarchy's dir
// below the cgroup root ("memory", "cpu,cpuacct", "systemd", "unified"; ""
// on unified hosts) -> the path inside it ("/ocirun/c1").
using Placement = std::map<std::string, std::string>;

// The key under which a systemd placement names its unit ("ocirun-c1.scope").
// Hierarchy directories are relative, so no hierarchy can take this key.
inline constexpr const char* kSystemdUnitKey = "/systemd-unit";

struct DriverOptions {
    std::string root = "/sys/fs/cgroup";        // a test tree's root in unit tests
    int freeze_timeout_ms = 10000;
    // cgroup2: enable the available controllers in every ancestor's
    // cgroup.subtree_control (only those not enabled yet), as runc and crun do.
    bool enable_controllers = true;
    // Leave the device policy alone (runc's SkipDevices): for nested or
    // rootless setups, and for test trees, where no eBPF program can attach.
    bool skip_devices = false;
    std::string hugepages_sysfs = "/sys/kernel/mm/hugepages";
    // make_driver(cgroups_path, id): the systemd driver, cgroupsPath in the
    // "slice:prefix:name" form (systemd_unit.hpp).
    bool systemd = false;
    int systemd_job_timeout_ms = 30000;
    // create() joins a cgroup that already holds processes (systemd has put
    // the container's init into its unit's cgroup).
    bool join_populated = false;
};

class Driver {
public:
    virtual ~Driver() = default;

    virtual Mode mode() const = 0;
    virtual const Placement& placement() const = 0;
    // The host's hierarchies as the driver found them (the container's
    // /sys/fs/cgroup mirrors them).
    virtual const Layout& layout() const = 0;

    // mkdir the container's cgroup(s), parents as needed. An existing cgroup
    // is joined unless it holds processes or is frozen. All or nothing: the
    // directories it made are removed again when a later step fails.
    virtual void create() = 0;
    // create() in two steps, around the clone of the container's init, so that
    // the second runs while the init makes its namespaces: first what
    // clone3(CLONE_INTO_CGROUP) needs (the cgroup2 directory of a unified or
    // hybrid host), then the rest (the v1 hierarchies). Drivers that cannot
    // split do everything in the first step.
    virtual void create_clone_target() { create(); }
    virtual void create_remaining() {}
    // Whether create_clone_target makes a directory (else it only checks).
    virtual bool makes_clone_target() const { return true; }

    // Translates and writes every resource, the device policy included (deny
    // all, the configured rules, the default allow list). Errors name the
    // JSON path, the file and the value; warnings go to oci::log.
    virtual void apply(const spec::Resources& resources) = 0;
    // As apply, for `update` of a running container: the device policy is
    // rewritten only when resources.devices is not empty.
    virtual void update(const spec::Resources& resources) = 0;

    // Moves the process into the container's cgroup (v1: every hierarchy).
    // Writing another process's pid waits for an RCU grace period (10-17 ms):
    // new processes of ours join through dir_fd_for_clone and open_tasks_files.
    virtual void add_process(pid_t pid) = 0;
    // An O_PATH directory fd of the container's cgroup in the cgroup2 hierarchy
    // (unified hosts, and hybrid ones) for clone3's CLONE_INTO_CGROUP, owned by
    // the driver; -1 on v1 hosts.
    virtual int dir_fd_for_clone() const = 0;
    // v1 hierarchies: the `tasks` file of the container's cgroup in each, open
    // for writing. A single-threaded process that writes "0" to them moves
    // itself without the migration lock (join_tasks_files). Empty on cgroup2.
    virtual std::vector<TasksFile> open_tasks_files() const = 0;
    // The same files by path only, for a process born before they exist
    // (create_remaining), which opens them itself.
    virtual std::vector<TasksFile> name_tasks_files() const { return {}; }

    // freezer.state FROZEN (v1) or cgroup.freeze 1 (v2), returning once the
    // kernel reports the cgroup frozen; thaw the reverse.
    virtual void freeze() = 0;
    virtual void thaw() = 0;
    virtual bool frozen() const = 0;

    // Every process in the container's cgroup and below it.
    virtual std::vector<pid_t> pids() const = 0;
    // SIGKILL through cgroup.kill where the kernel has it; otherwise the
    // cgroup is frozen (unless already), each process signalled, and thawed.
    virtual void kill_all(int signal) = 0;
    // rmdir of the container's cgroups (and any the container made below);
    // while the kernel answers EBUSY, kill_all(SIGKILL) and retry, bounded.
    virtual void destroy() = 0;

    // The "data" object of `runc events --stats`.
    virtual std::string stats_json() const = 0;
    // No process left in the container's cgroup (or it does not exist).
    virtual bool empty() const = 0;
    // OOM kills in the container's cgroup from now on; nullptr without a
    // memory controller (v1 hierarchy or cgroup2 controller) for it.
    virtual std::unique_ptr<OomWatcher> watch_oom() const = 0;

protected:
    // kill_all without cgroup.kill: freeze, signal every pid, thaw.
    void signal_each(int signal);
};

// The placement of a container's cgroup for the given layout and the
// runtime's own /proc/self/cgroup text (linux.cgroupsPath semantics: path.hpp).
Placement place(const Layout& layout, const std::string& cgroups_path, const std::string& id,
                const std::string& proc_self_cgroup);

std::unique_ptr<Driver> make_driver(const Layout& layout, const Placement& placement,
                                    const DriverOptions& options = {});

// For create: detects the layout under options.root and reads /proc/self/cgroup.
std::unique_ptr<Driver> make_driver(const std::string& cgroups_path, const std::string& id,
                                    const DriverOptions& options = {});

// For the commands after create: the stored placement on the layout create
// recorded, or (nullopt: a state from before it was recorded) the detected one.
std::unique_ptr<Driver> open_driver(const Placement& placement, const std::optional<Layout>& layout,
                                    const DriverOptions& options = {});

// Implementations, for tests that need one kind on a test tree.
std::unique_ptr<Driver> make_v1_driver(const Layout& layout, const Placement& placement, const DriverOptions& options);
std::unique_ptr<Driver> make_v2_driver(const Layout& layout, const Placement& placement, const DriverOptions& options);
// A systemd driver for a new unit (driver_systemd.cpp).
std::unique_ptr<Driver> make_systemd_driver(const Layout& layout, const std::string& cgroups_path,
                                            const std::string& id, const DriverOptions& options);
// A systemd driver for the unit a stored placement names.
std::unique_ptr<Driver> open_systemd_driver(const Layout& layout, const Placement& placement,
                                            const DriverOptions& options);

// Every hierarchy of the layout at the same path (a systemd unit's cgroup).
Placement place_everywhere(const Layout& layout, const std::string& path);

} // namespace oci::cgroups
