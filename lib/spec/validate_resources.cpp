// Checks of a `linux.resources` object (also `update --resources` input):
// device cgroup rules, hugepage sizes and unified keys. Values the kernel
// judges (a limit below current usage, a weight out of range) are left to
// the cgroup writes, which report the file and value.
#include "spec/checks.hpp"

namespace oci::spec {

namespace {

using checks::problem;
using json::child_path;
using json::index_path;

struct ResourcesCheck {
    const char* name;
    Finding (*run)(const Resources&, const std::string& at);
};

Finding check_device_rules(const Resources& resources, const std::string& at)
{
    for (std::size_t i = 0; i < resources.devices.size(); ++i) {
        const DeviceCgroupRule& rule = resources.devices[i];
        std::string path = index_path(child_path(at, "devices"), i);
        if (!rule.type.empty() && rule.type != "a" && rule.type != "b" && rule.type != "c")
            return problem(child_path(path, "type"), "expected one of \"a\", \"b\", \"c\", got " + json::quote(rule.type));
        if (rule.access.find_first_not_of("rwm") != std::string::npos)
            return problem(child_path(path, "access"), "expected letters from \"rwm\", got " + json::quote(rule.access));
    }
    return std::nullopt;
}

// The schema's ^[1-9][0-9]*[KMG]B$: the kernel's hugetlb files are named
// "hugetlb.2MB.limit_in_bytes", so "64kB" would name no file.
bool is_page_size(const std::string& size)
{
    if (size.size() < 3 || size[0] < '1' || size[0] > '9' || size.back() != 'B')
        return false;
    char unit = size[size.size() - 2];
    if (unit != 'K' && unit != 'M' && unit != 'G')
        return false;
    for (std::size_t i = 1; i + 2 < size.size(); ++i)
        if (size[i] < '0' || size[i] > '9')
            return false;
    return true;
}

Finding check_hugepage_limits(const Resources& resources, const std::string& at)
{
    for (std::size_t i = 0; i < resources.hugepage_limits.size(); ++i) {
        const std::string& size = resources.hugepage_limits[i].page_size;
        if (!is_page_size(size))
            return problem(child_path(index_path(child_path(at, "hugepageLimits"), i), "pageSize"),
                           "expected a size like \"2MB\" or \"1GB\", got " + json::quote(size));
    }
    return std::nullopt;
}

Finding check_unified_keys(const Resources& resources, const std::string& at)
{
    for (const auto& [key, value] : resources.unified)
        if (key.empty())
            return problem(child_path(child_path(at, "unified"), key), "keys must not be empty");
    return std::nullopt;
}

const ResourcesCheck resources_checks[] = {
    {"device rule types and access", check_device_rules},
    {"hugepage page sizes", check_hugepage_limits},
    {"unified keys", check_unified_keys},
};

} // namespace

Finding find_resources_problem(const Resources& resources, const std::string& at)
{
    for (const ResourcesCheck& check : resources_checks)
        if (Finding found = check.run(resources, at))
            return found;
    return std::nullopt;
}

void validate_resources(const Resources& resources, const std::string& source_name, const std::string& at)
{
    if (Finding found = find_resources_problem(resources, at))
        checks::throw_problem(source_name, *found);
}

} // namespace oci::spec
