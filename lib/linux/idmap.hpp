// uid_map / gid_map / setgroups of a process in a new user namespace,
// written by its parent from outside.
//
// Unprivileged (euid != 0), the kernel lets a process map only its own id,
// once, and its gid only after setgroups is denied. Anything more (several
// ranges, subordinate ids) goes through the setuid helpers newuidmap and
// newgidmap (the uidmap package), which check /etc/subuid and /etc/subgid,
// as runc and Podman do.
#pragma once

#include <oci/spec.hpp>

#include <sys/types.h>

#include <string>
#include <vector>

namespace oci::sys {

std::string format_id_map(const std::vector<spec::IdMapping>& mappings);

// How one map gets written: directly to /proc/<pid>/{uid,gid}_map, or by a
// helper program given the pid and the map's numbers as arguments.
enum class MapWriter { direct, helper };

struct IdMapPlan {
    MapWriter uid = MapWriter::direct;
    MapWriter gid = MapWriter::direct;
    // "deny" to /proc/<pid>/setgroups before the gid map: required for an
    // unprivileged direct gid map, and then setgroups(2) fails in the container.
    bool deny_setgroups = false;
};

// privileged: the caller is root on the host. own_uid/own_gid: its euid/egid.
IdMapPlan plan_id_maps(const std::vector<spec::IdMapping>& uid_map, const std::vector<spec::IdMapping>& gid_map,
                       bool privileged, uid_t own_uid, gid_t own_gid);

// The helper's arguments after its name: "<pid> <containerID> <hostID> <size>...".
std::vector<std::string> helper_args(pid_t pid, const std::vector<spec::IdMapping>& mappings);

// Writes the maps of `pid` as planned, through proc_fd (a verified procfs)
// or newuidmap / newgidmap found along PATH.
void write_id_maps(int proc_fd, pid_t pid, const std::vector<spec::IdMapping>& uid_map,
                   const std::vector<spec::IdMapping>& gid_map, const IdMapPlan& plan);

} // namespace oci::sys
