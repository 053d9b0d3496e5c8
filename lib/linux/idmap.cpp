// Id maps go in one write each (the kernel accepts a map only once).
#include "linux/idmap.hpp"

#include "linux/proc_fd.hpp"
#include "util/fs.hpp"

#include <oci/error.hpp>

namespace oci::sys {

std::string format_id_map(const std::vector<spec::IdMapping>& mappings)
{
    std::string out;
    for (const auto& m : mappings)
        out += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " + std::to_string(m.size) + "\n";
    return out;
}

void write_id_maps(int proc_fd, pid_t pid, const std::vector<spec::IdMapping>& uid_map,
                   const std::vector<spec::IdMapping>& gid_map, bool deny_setgroups)
{
    std::string dir = std::to_string(pid) + "/";
    with_context("write uid/gid mappings of process " + std::to_string(pid), [&] {
        if (deny_setgroups)
            write_proc_file(proc_fd, dir + "setgroups", "deny");
        if (!uid_map.empty())
            write_proc_file(proc_fd, dir + "uid_map", format_id_map(uid_map));
        if (!gid_map.empty())
            write_proc_file(proc_fd, dir + "gid_map", format_id_map(gid_map));
    });
}

} // namespace oci::sys
