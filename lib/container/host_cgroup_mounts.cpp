#include "container/host_cgroup_mounts.hpp"

namespace oci::core {

std::vector<sys::CgroupMountInfo> host_cgroup_mounts(const cgroups::Layout& layout)
{
    const std::string root = "/sys/fs/cgroup";
    std::vector<sys::CgroupMountInfo> out;
    for (const auto& h : layout.v1) {
        std::string controllers;
        for (const auto& c : h.controllers)
            controllers += (controllers.empty() ? "" : ",") + c;
        out.push_back({root + "/" + h.dir, "cgroup", controllers});
    }
    if (layout.unified)
        out.push_back({layout.unified->dir.empty() ? root : root + "/" + layout.unified->dir, "cgroup2", ""});
    return out;
}

std::optional<std::vector<std::string>> container_cgroup_paths(const cgroups::Layout& layout,
                                                               const cgroups::Placement& placement)
{
    std::vector<std::string> out;
    auto add = [&](const std::string& dir) {
        auto it = placement.find(dir);
        if (it == placement.end())
            return false;
        out.push_back(it->second == "/" ? "" : it->second);
        return true;
    };
    for (const auto& h : layout.v1)
        if (!add(h.dir))
            return std::nullopt;
    if (layout.unified && !add(layout.unified->dir))
        return std::nullopt;
    return out;
}

} // namespace oci::core
