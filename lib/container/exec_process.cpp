// The process of an exec, derived from the container's as runc does.
#include <oci/runtime.hpp>

#include <algorithm>

namespace oci {

namespace {

void set_env(std::vector<std::string>& env, const std::string& entry)
{
    auto eq = entry.find('=');
    std::string key = entry.substr(0, eq);
    for (auto& e : env) {
        if (e.compare(0, key.size() + 1, key + "=") == 0) {
            e = entry;
            return;
        }
    }
    env.push_back(entry);
}

void add_caps(std::optional<std::vector<std::string>>& set, const std::vector<std::string>& caps)
{
    if (!set)
        set.emplace();
    for (const auto& c : caps)
        if (std::find(set->begin(), set->end(), c) == set->end())
            set->push_back(c);
}

} // namespace

spec::Process exec_process(const spec::Process& container_process, const ExecOptions& o)
{
    if (o.process)
        return *o.process;
    spec::Process p = container_process;
    p.args = o.args;
    p.terminal = o.tty;
    p.console_size.reset();
    for (const auto& e : o.env)
        set_env(p.env, e);
    if (!o.cwd.empty())
        p.cwd = o.cwd;
    // As runc: --user uid[:gid] replaces what it names and keeps the rest.
    if (o.uid)
        p.user.uid = *o.uid;
    if (o.gid)
        p.user.gid = *o.gid;
    if (!o.additional_gids.empty())
        p.user.additional_gids = o.additional_gids;
    if (!o.caps.empty()) {
        if (!p.capabilities)
            p.capabilities.emplace();
        add_caps(p.capabilities->bounding, o.caps);
        add_caps(p.capabilities->effective, o.caps);
        add_caps(p.capabilities->permitted, o.caps);
    }
    if (o.no_new_privs)
        p.no_new_privileges = true;
    if (!o.apparmor_profile.empty())
        p.apparmor_profile = o.apparmor_profile;
    if (!o.process_label.empty())
        p.selinux_label = o.process_label;
    return p;
}

} // namespace oci
