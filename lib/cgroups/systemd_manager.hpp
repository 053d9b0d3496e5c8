// A client of systemd's manager (org.freedesktop.systemd1) on the system bus,
// for the systemd cgroup driver: start a transient unit and wait for its job,
// stop it, change its properties, ask for its cgroup.
#pragma once

#include "cgroups/systemd_properties.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

struct sd_bus;
struct sd_bus_slot;

namespace oci::cgroups {

class SystemdManager {
public:
    // Throws oci::Error saying why systemd cannot manage cgroups here: it is
    // not running (no /run/systemd/system), libsystemd.so.0 cannot be loaded,
    // or the system bus or systemd on it cannot be reached.
    explicit SystemdManager(int job_timeout_ms = 30000);
    ~SystemdManager();
    SystemdManager(const SystemdManager&) = delete;
    SystemdManager& operator=(const SystemdManager&) = delete;

    // The major version ("252" of "252.39-1~deb12u2"); 0 when unreadable.
    int version() const { return version_; }

    // StartTransientUnit(name, "replace", properties) and waits for the job.
    // A job that does not end "done" is an error (the failed unit is reset).
    void start_transient_unit(const std::string& name, const std::vector<SystemdProperty>& properties);
    // StopUnit(name, "replace") and waits for the job; false when systemd has
    // no such unit (it stops an empty scope by itself).
    bool stop_unit(const std::string& name);
    // ResetFailedUnit, ignoring errors (the unit may be gone).
    void reset_failed_unit(const std::string& name);
    // SetUnitProperties(name, runtime=true, properties).
    void set_unit_properties(const std::string& name, const std::vector<SystemdProperty>& properties);
    // The unit's ControlGroup: "/system.slice/ocirun-c1.scope".
    std::string control_group(const std::string& name);

private:
    std::string wait_for_job(const std::string& job, const std::string& what);

    sd_bus* bus_ = nullptr;
    sd_bus_slot* match_ = nullptr;
    int version_ = 0;
    int job_timeout_ms_;
    // JobRemoved signals seen so far: job object path -> result.
    std::map<std::string, std::string> removed_jobs_;
};

} // namespace oci::cgroups
