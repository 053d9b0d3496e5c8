// Parsing linux.cgroupsPath's "slice:prefix:name" into the unit to start.
#include "cgroups/systemd_unit.hpp"
#include "util/strings.hpp"

#include <oci/error.hpp>

#include <vector>

namespace oci::cgroups {

namespace {

constexpr std::string_view kSliceSuffix = ".slice";
constexpr std::string_view kScopeSuffix = ".scope";
// systemd's UNIT_NAME_MAX (256, with the terminating NUL).
constexpr std::size_t kUnitNameMax = 255;

bool ends_with(const std::string& s, std::string_view suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The characters systemd accepts in a unit name (":" separates our fields).
bool valid_unit_chars(const std::string& s)
{
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                  c == '.' || c == '\\' || c == '@';
        if (!ok)
            return false;
    }
    return true;
}

Error path_error(const std::string& cgroups_path, const std::string& why)
{
    return Error("linux.cgroupsPath: \"" + cgroups_path + "\": " + why);
}

} // namespace

bool SystemdUnit::is_slice() const
{
    return ends_with(name, kSliceSuffix);
}

std::string expand_slice(const std::string& slice)
{
    if (slice.size() <= kSliceSuffix.size() || !ends_with(slice, kSliceSuffix) ||
        slice.find('/') != std::string::npos)
        throw Error("invalid slice name \"" + slice + "\"");
    std::string base = slice.substr(0, slice.size() - kSliceSuffix.size());
    if (base == "-")
        return "/";
    std::string path, prefix;
    for (const auto& component : util::split(base, '-')) {
        if (component.empty())
            throw Error("invalid slice name \"" + slice + "\"");
        path += "/" + prefix + component + std::string(kSliceSuffix);
        prefix += component + "-";
    }
    return path;
}

SystemdUnit parse_systemd_cgroups_path(const std::string& cgroups_path, const std::string& id)
{
    std::string path = cgroups_path.empty() ? std::string(":") + kDefaultScopePrefix + ":" + id : cgroups_path;
    auto parts = util::split(path, ':');
    if (parts.size() != 3)
        throw path_error(cgroups_path, "expected \"slice:prefix:name\" for the systemd cgroup driver");
    const std::string& prefix = parts[1];
    const std::string& name = parts[2];
    SystemdUnit unit;
    unit.slice = parts[0].empty() ? kDefaultSlice : parts[0];
    try {
        expand_slice(unit.slice);
    } catch (const Error& e) {
        throw path_error(cgroups_path, e.what());
    }
    if (name.empty())
        throw path_error(cgroups_path, "the unit name (the part after the last \":\") is empty");
    if (!valid_unit_chars(prefix) || !valid_unit_chars(name))
        throw path_error(cgroups_path, "a systemd unit name takes only letters, digits and \"-_.\\@\"");
    if (ends_with(name, kSliceSuffix)) {
        try {
            expand_slice(name);
        } catch (const Error& e) {
            throw path_error(cgroups_path, e.what());
        }
        unit.name = name;
    } else {
        unit.name = (prefix.empty() ? name : prefix + "-" + name) + std::string(kScopeSuffix);
    }
    if (unit.name.size() > kUnitNameMax)
        throw path_error(cgroups_path, "the unit name is longer than " + std::to_string(kUnitNameMax) + " characters");
    return unit;
}

} // namespace oci::cgroups
