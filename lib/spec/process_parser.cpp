// Reading the `process` object (config.json's, or process.json on its own
// for `exec --process`) into spec::Process.
#include "spec/parsers.hpp"
#include "spec/validate.hpp"

namespace oci::spec {

namespace detail {

namespace {

User read_user(const json::Node& node)
{
    User user;
    node.read("uid", user.uid);
    node.read("gid", user.gid);
    node.read("umask", user.umask);
    node.read("additionalGids", user.additional_gids);
    node.read("username", user.username);
    return user;
}

ConsoleSize read_console_size(const json::Node& node)
{
    ConsoleSize size;
    node.read_required("height", size.height);
    node.read_required("width", size.width);
    return size;
}

Capabilities read_capabilities(const json::Node& node)
{
    Capabilities caps;
    node.read("bounding", caps.bounding);
    node.read("effective", caps.effective);
    node.read("inheritable", caps.inheritable);
    node.read("permitted", caps.permitted);
    node.read("ambient", caps.ambient);
    return caps;
}

Rlimit read_rlimit(const json::Node& node)
{
    Rlimit limit;
    node.read_required("type", limit.type);
    node.read_required("soft", limit.soft);
    node.read_required("hard", limit.hard);
    return limit;
}

IoPriority read_io_priority(const json::Node& node)
{
    IoPriority priority;
    node.read_required("class", priority.io_class);
    node.read("priority", priority.priority);
    return priority;
}

Scheduler read_scheduler(const json::Node& node)
{
    Scheduler scheduler;
    node.read_required("policy", scheduler.policy);
    node.read("nice", scheduler.nice);
    node.read("priority", scheduler.priority);
    node.read("flags", scheduler.flags);
    node.read("runtime", scheduler.runtime);
    node.read("deadline", scheduler.deadline);
    node.read("period", scheduler.period);
    return scheduler;
}

ExecCpuAffinity read_exec_cpu_affinity(const json::Node& node)
{
    ExecCpuAffinity affinity;
    node.read("initial", affinity.initial);
    node.read("final", affinity.final_cpus);
    return affinity;
}

} // namespace

Process read_process(const json::Node& node)
{
    Process process;
    node.read("terminal", process.terminal);
    if (auto size = node.get("consoleSize"))
        process.console_size = read_console_size(*size);
    if (auto user = node.get("user"))
        process.user = read_user(*user);
    node.read("args", process.args);
    node.read("commandLine", process.command_line);
    node.read("env", process.env);
    node.read_required("cwd", process.cwd);
    if (auto caps = node.get("capabilities"))
        process.capabilities = read_capabilities(*caps);
    process.rlimits = node.read_each("rlimits", read_rlimit);
    node.read("noNewPrivileges", process.no_new_privileges);
    node.read("apparmorProfile", process.apparmor_profile);
    node.read("selinuxLabel", process.selinux_label);
    node.read("oomScoreAdj", process.oom_score_adj);
    if (auto priority = node.get("ioPriority"))
        process.io_priority = read_io_priority(*priority);
    if (auto scheduler = node.get("scheduler"))
        process.scheduler = read_scheduler(*scheduler);
    if (auto affinity = node.get("execCPUAffinity"))
        process.exec_cpu_affinity = read_exec_cpu_affinity(*affinity);
    return process;
}

} // namespace detail

Process parse_process(const std::string& json_text, const std::string& source_name)
{
    json::Value document = json::parse(json_text, source_name);
    Process process = detail::read_process(json::Node(document, source_name));
    validate_process(process, source_name, "");
    return process;
}

} // namespace oci::spec
