// The systemd cgroup driver: systemd owns the container's cgroup as a
// transient unit (a scope with Delegate=yes, or a slice), started with the
// init's pid and the resources as unit properties; every resource is then
// also written to the unit's cgroup files through the cgroupfs driver of the
// host's layout, which does the rest (freeze, pids, stats, kill), as runc's
// systemd drivers do.
#include "cgroups/driver.hpp"
#include "cgroups/systemd_manager.hpp"
#include "cgroups/systemd_properties.hpp"
#include "cgroups/systemd_unit.hpp"
#include "util/fs.hpp"

#include <oci/error.hpp>
#include <oci/log.hpp>

#include <csignal>
#include <optional>

namespace oci::cgroups {

namespace {

class SystemdDriver final : public Driver {
public:
    // A unit still to be started by the first add_process.
    SystemdDriver(const Layout& layout, SystemdUnit unit, std::string description, const DriverOptions& options)
        : layout_(layout), unit_(std::move(unit)), description_(std::move(description)), options_(options)
    {
    }

    // The unit of an existing container.
    SystemdDriver(const Layout& layout, const Placement& placement, const DriverOptions& options)
        : layout_(layout), options_(options), placement_(placement)
    {
        unit_.name = placement.at(kSystemdUnitKey);
        open_inner();
    }

    Mode mode() const override { return layout_.mode; }
    const Layout& layout() const override { return layout_; }
    const Placement& placement() const override { return placement_; }

    void create() override
    {
        // Fails here, before any process or unit exists, where systemd cannot
        // manage cgroups. The connection is closed again so that the init
        // cloned next holds no bus socket.
        SystemdManager probe(options_.systemd_job_timeout_ms);
        (void)probe;
    }

    void apply(const spec::Resources& r) override
    {
        if (!inner_) {
            pending_ = r;   // unit properties and cgroup files once the unit exists
            return;
        }
        inner_->apply(r);
    }

    void update(const spec::Resources& given) override
    {
        // Both halves of the CFS quota, for the unit's CPUQuotaPerSecUSec and
        // for cpu.max, where a period alone would lift the quota.
        spec::Resources r = complete_cpu_quota(given, layout_.mode == Mode::unified, cpu_file_reader());
        auto properties = resource_properties(r, host());
        if (!r.devices.empty())
            add_device_properties(properties, r);
        manager().set_unit_properties(unit_.name, properties);
        inner().update(r);
    }

    void add_process(pid_t pid) override
    {
        if (inner_)
            inner_->add_process(pid);
        else
            start_unit(pid);
    }

    int dir_fd_for_clone() const override { return inner_ ? inner_->dir_fd_for_clone() : -1; }
    std::vector<TasksFile> open_tasks_files() const override
    {
        return inner_ ? inner_->open_tasks_files() : std::vector<TasksFile>{};
    }

    void freeze() override { inner().freeze(); }
    void thaw() override { inner().thaw(); }
    bool frozen() const override { return inner_ && inner_->frozen(); }
    std::vector<pid_t> pids() const override { return inner_ ? inner_->pids() : std::vector<pid_t>{}; }
    void kill_all(int signal) override { inner().kill_all(signal); }
    std::string stats_json() const override { return inner().stats_json(); }
    std::unique_ptr<OomWatcher> watch_oom() const override { return inner_ ? inner_->watch_oom() : nullptr; }
    bool empty() const override { return !inner_ || inner_->empty(); }

    void destroy() override
    {
        if (!inner_)
            return;   // no unit was started: nothing of ours exists
        // A scope's stop job sends SIGTERM and waits 90 s for processes that
        // ignore it (a container's pid 1 does): kill them first.
        try {
            if (!inner_->empty())
                inner_->kill_all(SIGKILL);
        } catch (const Error& e) {
            log_debug(std::string("destroy: ") + e.what());
        }
        std::optional<Error> stop_error;
        try {
            manager().stop_unit(unit_.name);
            manager().reset_failed_unit(unit_.name);
        } catch (const Error& e) {
            stop_error = e;
        }
        // What systemd leaves: the v1 hierarchies it does not manage.
        inner_->destroy();
        if (stop_error)
            throw *stop_error;
    }

private:
    SystemdHost host()
    {
        return SystemdHost{layout_.mode == Mode::unified, manager().version()};
    }

    SystemdManager& manager()
    {
        if (!manager_)
            manager_ = std::make_unique<SystemdManager>(options_.systemd_job_timeout_ms);
        return *manager_;
    }

    Driver& inner() const
    {
        if (!inner_)
            throw Error("systemd unit " + unit_.name + " has not been started");
        return *inner_;
    }

    // The cgroupfs driver on the unit's cgroup, which systemd made.
    void open_inner()
    {
        Placement fs = placement_;
        fs.erase(kSystemdUnitKey);
        DriverOptions o = options_;
        o.join_populated = true;
        inner_ = layout_.mode == Mode::unified ? make_v2_driver(layout_, fs, o) : make_v1_driver(layout_, fs, o);
    }

    void start_unit(pid_t pid)
    {
        SystemdHost h = host();
        auto properties = unit_properties(unit_, pid, description_, h);
        auto resources = resource_properties(pending_, h);
        properties.insert(properties.end(), resources.begin(), resources.end());
        add_device_properties(properties, pending_);
        manager().start_transient_unit(unit_.name, properties);
        try {
            placement_ = place_everywhere(layout_, manager().control_group(unit_.name));
            placement_[kSystemdUnitKey] = unit_.name;
            open_inner();
            // The cgroups systemd does not make (v1 cpuset, freezer, ...), and
            // the pid into all of them; a slice unit gets it this way only.
            inner_->create();
            inner_->add_process(pid);
            inner_->apply(pending_);
            // No bus socket held while the container lives (`run` waits for it).
            manager_.reset();
        } catch (...) {
            // The unit exists: destroy() removes it (and what we made).
            if (!inner_)
                stop_quietly();
            throw;
        }
    }

    // Reads a file of the unit's cgroup in the cpu controller's hierarchy.
    CgroupFileReader cpu_file_reader() const
    {
        std::string dir;
        if (layout_.mode == Mode::unified && layout_.unified) {
            dir = layout_.unified->dir;
        } else if (const Hierarchy* h = layout_.find_v1("cpu")) {
            dir = h->dir;
        } else {
            return [](const std::string&) { return std::optional<std::string>(); };
        }
        auto it = placement_.find(dir);
        if (it == placement_.end())
            return [](const std::string&) { return std::optional<std::string>(); };
        std::string path = (dir.empty() ? options_.root : options_.root + "/" + dir) + it->second;
        return [path](const std::string& file) -> std::optional<std::string> {
            try {
                return util::read_file(path + "/" + file);
            } catch (const Error&) {
                return std::nullopt;
            }
        };
    }

    void add_device_properties(std::vector<SystemdProperty>& properties, const spec::Resources& r) const
    {
        if (options_.skip_devices)
            return;
        std::optional<std::string> proc_devices;
        auto group = [&](char type, int64_t major) {
            if (!proc_devices) {
                try {
                    proc_devices = util::read_file("/proc/devices");
                } catch (const Error&) {
                    proc_devices = "";
                }
            }
            return device_group(*proc_devices, type, major);
        };
        auto devices = device_properties(container_device_rules(r.devices), group);
        for (const auto& w : devices.warnings)
            log_warning(w);
        properties.insert(properties.end(), devices.properties.begin(), devices.properties.end());
    }

    void stop_quietly() noexcept
    {
        try {
            manager().stop_unit(unit_.name);
            manager().reset_failed_unit(unit_.name);
        } catch (const Error& e) {
            log_warning("stop systemd unit " + unit_.name + ": " + e.what());
        }
    }

    Layout layout_;
    SystemdUnit unit_;
    std::string description_;
    DriverOptions options_;
    Placement placement_;
    spec::Resources pending_;
    std::unique_ptr<SystemdManager> manager_;
    std::unique_ptr<Driver> inner_;
};

} // namespace

std::unique_ptr<Driver> make_systemd_driver(const Layout& layout, const std::string& cgroups_path,
                                            const std::string& id, const DriverOptions& options)
{
    SystemdUnit unit = parse_systemd_cgroups_path(cgroups_path, id);
    return std::make_unique<SystemdDriver>(layout, std::move(unit), "ocirun container " + id, options);
}

std::unique_ptr<Driver> open_systemd_driver(const Layout& layout, const Placement& placement,
                                            const DriverOptions& options)
{
    return std::make_unique<SystemdDriver>(layout, placement, options);
}

} // namespace oci::cgroups
