// linux.cgroupsPath validation and placement inside a hierarchy.
#include "cgroups/path.hpp"

#include <oci/error.hpp>

#include <vector>

namespace oci::cgroups {

namespace {

std::vector<std::string> components(const std::string& path)
{
    std::vector<std::string> out;
    std::string::size_type start = 0;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string::npos)
            end = path.size();
        std::string part = path.substr(start, end - start);
        if (!part.empty() && part != ".")
            out.push_back(part);
        start = end + 1;
    }
    return out;
}

std::string join(const std::vector<std::string>& parts, bool absolute)
{
    std::string out = absolute ? "/" : "";
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0)
            out += '/';
        out += parts[i];
    }
    return out;
}

std::string parent_of(const std::string& path)
{
    auto parts = components(path);
    if (!parts.empty())
        parts.pop_back();
    return join(parts, true);
}

} // namespace

std::string normalize_cgroups_path(const std::string& cgroups_path, const std::string& id)
{
    std::string path = cgroups_path.empty() ? std::string(kDefaultParent) + "/" + id : cgroups_path;
    auto parts = components(path);
    for (const auto& part : parts)
        if (part == "..")
            throw Error("linux.cgroupsPath: \"" + cgroups_path + "\": must not contain \"..\"");
    if (parts.empty())
        throw Error("linux.cgroupsPath: \"" + cgroups_path + "\": names the root of the cgroup hierarchy");
    return join(parts, path[0] == '/');
}

std::string path_in_hierarchy(const std::string& normalized, const std::string& own, bool v2)
{
    if (!normalized.empty() && normalized[0] == '/')
        return normalized;
    std::string base = v2 ? parent_of(own) : join(components(own), true);
    for (const auto& part : components(base))
        if (part == "..")
            throw Error("own cgroup \"" + own + "\" is outside the mounted hierarchy");
    std::string out = base == "/" ? "/" + normalized : base + "/" + normalized;
    if (components(out).empty())
        throw Error("linux.cgroupsPath: \"" + normalized + "\": names the root of the cgroup hierarchy");
    return out;
}

} // namespace oci::cgroups
