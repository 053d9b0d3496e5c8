// validate(): the ordered list of named checks of a whole config, and the
// checks of its top-level parts (version, root, mounts, hooks, annotations).
// The process and linux checks live in validate_process.cpp,
// validate_linux.cpp and validate_resources.cpp.
#include "spec/checks.hpp"

namespace oci::spec {

namespace {

using checks::problem;
using json::child_path;
using json::index_path;

constexpr const char* missing = "required field is missing or empty";

Finding check_oci_version(const Config& config)
{
    if (config.oci_version.empty())
        return problem("ociVersion", missing);
    return std::nullopt;
}

Finding check_root_path(const Config& config)
{
    if (config.root.path.empty())
        return problem("root.path", missing);
    return std::nullopt;
}

Finding check_process(const Config& config)
{
    if (!config.process)
        return std::nullopt;
    return find_process_problem(*config.process, "process");
}

Finding check_mounts(const Config& config)
{
    for (std::size_t i = 0; i < config.mounts.size(); ++i) {
        const Mount& mount = config.mounts[i];
        std::string path = index_path("mounts", i);
        if (!checks::is_absolute(mount.destination))
            return problem(child_path(path, "destination"), checks::not_absolute(mount.destination));
        if (mount.destination.find('\0') != std::string::npos)
            return problem(child_path(path, "destination"), "must not contain a NUL byte");
        // An id-mapped mount needs both maps (mount_setattr takes one user
        // namespace carrying both).
        if (mount.uid_mappings.empty() != mount.gid_mappings.empty())
            return problem(child_path(path, mount.uid_mappings.empty() ? "uidMappings" : "gidMappings"),
                           "an id-mapped mount needs both uidMappings and gidMappings");
    }
    return std::nullopt;
}

Finding check_hook_list(const std::vector<Hook>& hooks, const std::string& path)
{
    for (std::size_t i = 0; i < hooks.size(); ++i) {
        std::string at = index_path(path, i);
        if (!checks::is_absolute(hooks[i].path))
            return problem(child_path(at, "path"), checks::not_absolute(hooks[i].path));
        if (hooks[i].timeout && *hooks[i].timeout < 1)
            return problem(child_path(at, "timeout"), "expected at least 1 second, got " + std::to_string(*hooks[i].timeout));
    }
    return std::nullopt;
}

Finding check_hooks(const Config& config)
{
    const Hooks& h = config.hooks;
    for (auto [list, key] : {std::pair{&h.prestart, "prestart"}, {&h.create_runtime, "createRuntime"},
                             {&h.create_container, "createContainer"}, {&h.start_container, "startContainer"},
                             {&h.poststart, "poststart"}, {&h.poststop, "poststop"}})
        if (Finding found = check_hook_list(*list, child_path("hooks", key)))
            return found;
    return std::nullopt;
}

Finding check_annotations(const Config& config)
{
    for (const auto& [key, value] : config.annotations)
        if (key.empty())
            return problem(child_path("annotations", key), "keys must not be empty");
    return std::nullopt;
}

std::vector<ConfigCheck> all_checks()
{
    std::vector<ConfigCheck> list = {
        {"ociVersion is set", check_oci_version},
        {"root.path is set", check_root_path},
        {"process", check_process},
        {"mount destinations and id maps", check_mounts},
        {"hook paths and timeouts", check_hooks},
        {"annotation keys", check_annotations},
    };
    const auto& linux_list = checks::linux_checks();
    list.insert(list.end(), linux_list.begin(), linux_list.end());
    return list;
}

} // namespace

const std::vector<ConfigCheck>& config_checks()
{
    static const std::vector<ConfigCheck> list = all_checks();
    return list;
}

Finding find_problem(const Config& config)
{
    for (const ConfigCheck& check : config_checks())
        if (Finding found = check.run(config))
            return found;
    return std::nullopt;
}

void validate(const Config& config, const std::string& source_name)
{
    if (Finding found = find_problem(config))
        checks::throw_problem(source_name, *found);
}

} // namespace oci::spec
