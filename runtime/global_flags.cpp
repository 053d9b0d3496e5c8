// The flags that come before the command: where state lives, how cgroups are
// managed, and (read by main) logging and --version/--help.
#include "commands.hpp"

namespace ocirun {

std::vector<FlagSpec> global_flag_specs()
{
    return {
        {"root", "", true},        {"log", "", true},             {"log-format", "", true},
        {"debug", "", false},      {"systemd-cgroup", "", false}, {"cgroup-manager", "", true},
        {"rootless", "", true},    {"criu", "", true},            {"version", "v", false},
        {"help", "h", false},
    };
}

std::string default_root(uid_t euid, const char* xdg_runtime_dir, bool namespace_root)
{
    // Podman sets XDG_RUNTIME_DIR to "" as root; empty counts as unset.
    bool have_xdg = xdg_runtime_dir != nullptr && xdg_runtime_dir[0] != '\0';
    if (euid == 0 && !(namespace_root && have_xdg))
        return "/run/ocirun";
    if (have_xdg)
        return std::string(xdg_runtime_dir) + "/ocirun";
    return "/run/user/" + std::to_string(euid) + "/ocirun";
}

oci::RuntimeOptions runtime_options_from(const ParsedArgs& global, const std::string& fallback_root)
{
    oci::RuntimeOptions o;
    o.root = global.value_or("root", fallback_root);
    o.systemd_cgroup = global.flag("systemd-cgroup");
    // crun's spelling, which Podman uses for `--cgroups=disabled`.
    if (auto manager = global.value("cgroup-manager")) {
        if (*manager == "systemd") {
            o.systemd_cgroup = true;
        } else if (*manager == "disabled") {
            if (o.systemd_cgroup)
                throw UsageError("--systemd-cgroup and --cgroup-manager disabled contradict each other");
            o.cgroups_disabled = true;
        } else if (*manager != "cgroupfs") {
            throw UsageError("invalid --cgroup-manager \"" + *manager + "\": expected cgroupfs, systemd or disabled");
        }
    }
    return o;
}

} // namespace ocirun
