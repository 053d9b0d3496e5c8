// default_config: what `ocirun spec` writes, matching runc's `spec` in
// content (hostname aside), and its `--rootless` variant.
#include "ocirun_config.h"

#include <oci/spec.hpp>

namespace oci::spec {

namespace {

const std::vector<std::string> default_capabilities = {
    "CAP_AUDIT_WRITE",
    "CAP_KILL",
    "CAP_NET_BIND_SERVICE",
};

Process default_process()
{
    Process process;
    process.terminal = true;
    process.args = {"sh"};
    process.env = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "TERM=xterm",
    };
    process.cwd = "/";
    // Inheritable and ambient stay absent: a capability in them would
    // survive execve of a program without file capabilities.
    Capabilities caps;
    caps.bounding = default_capabilities;
    caps.effective = default_capabilities;
    caps.permitted = default_capabilities;
    process.capabilities = caps;
    process.rlimits = {{"RLIMIT_NOFILE", 1024, 1024}};
    process.no_new_privileges = true;
    return process;
}

std::vector<Mount> default_mounts()
{
    return {
        {"/proc", "proc", "proc", {}, {}, {}},
        {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}, {}, {}},
        {"/dev/pts", "devpts", "devpts",
         {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}, {}, {}},
        {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}, {}, {}},
        {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}, {}, {}},
        {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}, {}, {}},
        {"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}, {}, {}},
    };
}

LinuxConfig default_linux()
{
    LinuxConfig lc;
    lc.masked_paths = {
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
    };
    lc.readonly_paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
    Resources resources;
    DeviceCgroupRule deny_all;
    deny_all.allow = false;
    deny_all.access = "rwm";
    resources.devices = {deny_all};
    lc.resources = resources;
    lc.namespaces = {
        {NamespaceType::pid, ""}, {NamespaceType::network, ""}, {NamespaceType::ipc, ""},
        {NamespaceType::uts, ""}, {NamespaceType::mount, ""}, {NamespaceType::cgroup, ""},
    };
    return lc;
}

bool is_id_option(const std::string& option)
{
    return option.rfind("uid=", 0) == 0 || option.rfind("gid=", 0) == 0;
}

// runc 1.1.5's specconv.ToRootless: an unprivileged user can neither create a
// network namespace worth having nor mount sysfs (so /sys becomes a read-only
// rbind of the host's), cannot chown to ids outside its one-id mapping
// (devpts gid=5) and has no cgroup to configure. The /sys/fs/cgroup mount
// stays: dropping it (runc <= 1.1.4) left the host's cgroupfs, which a "ro"
// rbind does not make read-only, writable inside (CVE-2023-25809).
void make_rootless(Config& config, uint32_t host_uid, uint32_t host_gid)
{
    LinuxConfig& lc = *config.linux_config;
    std::vector<Namespace> namespaces;
    for (const Namespace& ns : lc.namespaces)
        if (ns.type != NamespaceType::network && ns.type != NamespaceType::user)
            namespaces.push_back(ns);
    namespaces.push_back({NamespaceType::user, ""});
    lc.namespaces = namespaces;
    lc.uid_mappings = {{0, host_uid, 1}};
    lc.gid_mappings = {{0, host_gid, 1}};

    for (Mount& mount : config.mounts) {
        if (mount.destination == "/sys") {
            mount = {"/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"}, {}, {}};
            continue;
        }
        std::erase_if(mount.options, is_id_option);
    }

    lc.resources.reset();
}

} // namespace

Config default_config(bool rootless, uint32_t host_uid, uint32_t host_gid)
{
    Config config;
    config.oci_version = OCIRUN_SPEC_VERSION;
    config.root = {"rootfs", true};
    config.process = default_process();
    config.hostname = "ocirun";
    config.mounts = default_mounts();
    config.linux_config = default_linux();
    if (rootless)
        make_rootless(config, host_uid, host_gid);
    return config;
}

} // namespace oci::spec
