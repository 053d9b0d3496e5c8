// to_json: spec::Config back to config.json text. Optional fields that are
// absent, and strings, arrays and maps that are empty, are left out (as the
// Go runtime-spec types' omitempty does), so the output parses back to an
// equal Config; ociVersion and root are always written.
#include "spec/writers.hpp"

namespace oci::spec {

namespace {

using namespace json;

void write_mount(Writer& w, const Mount& m)
{
    w.begin_object();
    w.key("destination");
    w.string(m.destination);
    text_field(w, "type", m.type);
    text_field(w, "source", m.source);
    strings_field(w, "options", m.options);
    list_field(w, "uidMappings", m.uid_mappings, detail::write_id_mapping);
    list_field(w, "gidMappings", m.gid_mappings, detail::write_id_mapping);
    w.end_object();
}

void write_hook(Writer& w, const Hook& h)
{
    w.begin_object();
    w.key("path");
    w.string(h.path);
    strings_field(w, "args", h.args);
    strings_field(w, "env", h.env);
    int_field(w, "timeout", h.timeout);
    w.end_object();
}

void write_hooks(Writer& w, const Hooks& h)
{
    if (h == Hooks{})
        return;
    w.key("hooks");
    w.begin_object();
    list_field(w, "prestart", h.prestart, write_hook);
    list_field(w, "createRuntime", h.create_runtime, write_hook);
    list_field(w, "createContainer", h.create_container, write_hook);
    list_field(w, "startContainer", h.start_container, write_hook);
    list_field(w, "poststart", h.poststart, write_hook);
    list_field(w, "poststop", h.poststop, write_hook);
    w.end_object();
}

void write_capability_set(Writer& w, std::string_view key, const std::optional<std::vector<std::string>>& set)
{
    // An empty set is written: it differs from an absent one.
    if (!set)
        return;
    w.key(key);
    w.strings(*set);
}

void write_process(Writer& w, const Process& p)
{
    true_field(w, "terminal", p.terminal);
    object_field(w, "consoleSize", p.console_size, [](Writer& o, const ConsoleSize& s) {
        int_field(o, "height", s.height);
        int_field(o, "width", s.width);
    });
    w.key("user");
    w.begin_object();
    int_field(w, "uid", p.user.uid);
    int_field(w, "gid", p.user.gid);
    int_field(w, "umask", p.user.umask);
    if (!p.user.additional_gids.empty()) {
        w.key("additionalGids");
        w.begin_array();
        for (uint32_t gid : p.user.additional_gids)
            w.integer(gid);
        w.end_array();
    }
    text_field(w, "username", p.user.username);
    w.end_object();
    strings_field(w, "args", p.args);
    text_field(w, "commandLine", p.command_line);
    strings_field(w, "env", p.env);
    w.key("cwd");
    w.string(p.cwd);
    object_field(w, "capabilities", p.capabilities, [](Writer& o, const Capabilities& c) {
        write_capability_set(o, "bounding", c.bounding);
        write_capability_set(o, "effective", c.effective);
        write_capability_set(o, "inheritable", c.inheritable);
        write_capability_set(o, "permitted", c.permitted);
        write_capability_set(o, "ambient", c.ambient);
    });
    list_field(w, "rlimits", p.rlimits, [](Writer& o, const Rlimit& r) {
        o.begin_object();
        o.key("type");
        o.string(r.type);
        int_field(o, "hard", r.hard);
        int_field(o, "soft", r.soft);
        o.end_object();
    });
    true_field(w, "noNewPrivileges", p.no_new_privileges);
    text_field(w, "apparmorProfile", p.apparmor_profile);
    text_field(w, "selinuxLabel", p.selinux_label);
    int_field(w, "oomScoreAdj", p.oom_score_adj);
    object_field(w, "ioPriority", p.io_priority, [](Writer& o, const IoPriority& io) {
        o.key("class");
        o.string(io.io_class);
        int_field(o, "priority", io.priority);
    });
    object_field(w, "scheduler", p.scheduler, [](Writer& o, const Scheduler& s) {
        o.key("policy");
        o.string(s.policy);
        nonzero_field(o, "nice", s.nice);
        nonzero_field(o, "priority", s.priority);
        strings_field(o, "flags", s.flags);
        nonzero_field(o, "runtime", s.runtime);
        nonzero_field(o, "deadline", s.deadline);
        nonzero_field(o, "period", s.period);
    });
    object_field(w, "execCPUAffinity", p.exec_cpu_affinity, [](Writer& o, const ExecCpuAffinity& a) {
        text_field(o, "initial", a.initial);
        text_field(o, "final", a.final_cpus);
    });
}

} // namespace

void detail::write_id_mapping(json::Writer& w, const IdMapping& m)
{
    w.begin_object();
    int_field(w, "containerID", m.container_id);
    int_field(w, "hostID", m.host_id);
    int_field(w, "size", m.size);
    w.end_object();
}

std::string to_json(const Config& config, bool pretty)
{
    Writer w(pretty);
    w.begin_object();
    w.key("ociVersion");
    w.string(config.oci_version);
    w.key("root");
    w.begin_object();
    w.key("path");
    w.string(config.root.path);
    true_field(w, "readonly", config.root.readonly);
    w.end_object();
    list_field(w, "mounts", config.mounts, write_mount);
    object_field(w, "process", config.process, write_process);
    text_field(w, "hostname", config.hostname);
    text_field(w, "domainname", config.domainname);
    write_hooks(w, config.hooks);
    map_field(w, "annotations", config.annotations);
    object_field(w, "linux", config.linux_config, detail::write_linux_config);
    w.end_object();
    std::string text = w.text();
    if (pretty && (text.empty() || text.back() != '\n'))
        text += '\n';
    return text;
}

} // namespace oci::spec
