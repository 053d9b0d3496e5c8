// Checks of a `process` object: cwd, args, capabilities, rlimits, I/O
// priority, scheduler and CPU affinity. Shared by config.json validation and
// `exec --process`.
#include "spec/checks.hpp"
#include "spec/names.hpp"

#include <set>

namespace oci::spec {

namespace {

using checks::problem;
using json::child_path;
using json::index_path;

struct ProcessCheck {
    const char* name;
    Finding (*run)(const Process&, const std::string& at);
};

// The runtime resolves cwd inside the rootfs later; here it only has to be
// an absolute path, and an embedded NUL would cut it short at the syscall.
Finding check_cwd(const Process& process, const std::string& at)
{
    std::string path = child_path(at, "cwd");
    if (process.cwd.empty())
        return problem(path, "required field is missing or empty");
    if (process.cwd.find('\0') != std::string::npos)
        return problem(path, "must not contain a NUL byte");
    if (!checks::is_absolute(process.cwd))
        return problem(path, checks::not_absolute(process.cwd));
    return std::nullopt;
}

// The spec lets args be absent (Windows uses commandLine), but a Linux
// container has nothing to execve without it; runc refuses the same.
// args and env come from the image (Entrypoint, Cmd, Env): an empty program
// name or an embedded NUL, which execve would silently cut short, is refused.
Finding check_args(const Process& process, const std::string& at)
{
    std::string path = child_path(at, "args");
    if (process.args.empty())
        return problem(path, "must name the program to run (got no arguments)");
    if (process.args[0].empty())
        return problem(index_path(path, 0), "the program name must not be empty");
    for (std::size_t i = 0; i < process.args.size(); ++i)
        if (process.args[i].find('\0') != std::string::npos)
            return problem(index_path(path, i), "must not contain a NUL byte");
    for (std::size_t i = 0; i < process.env.size(); ++i)
        if (process.env[i].find('\0') != std::string::npos)
            return problem(index_path(child_path(at, "env"), i), "must not contain a NUL byte");
    return std::nullopt;
}

Finding check_capability_set(const std::optional<std::vector<std::string>>& set,
                             const std::string& path)
{
    if (!set)
        return std::nullopt;
    for (std::size_t i = 0; i < set->size(); ++i)
        if (!names::contains(names::capabilities, (*set)[i]))
            return problem(index_path(path, i), checks::unknown_name(names::capabilities, "capability", (*set)[i]));
    return std::nullopt;
}

Finding check_capabilities(const Process& process, const std::string& at)
{
    if (!process.capabilities)
        return std::nullopt;
    const Capabilities& caps = *process.capabilities;
    std::string path = child_path(at, "capabilities");
    for (auto [set, key] : {std::pair{&caps.bounding, "bounding"}, {&caps.effective, "effective"},
                            {&caps.inheritable, "inheritable"}, {&caps.permitted, "permitted"},
                            {&caps.ambient, "ambient"}})
        if (Finding found = check_capability_set(*set, child_path(path, key)))
            return found;
    return std::nullopt;
}

bool is_rlimit_shaped(const std::string& type)
{
    const std::string prefix = "RLIMIT_";
    if (type.size() <= prefix.size() || type.compare(0, prefix.size(), prefix) != 0)
        return false;
    for (std::size_t i = prefix.size(); i < type.size(); ++i)
        if (type[i] < 'A' || type[i] > 'Z')
            return false;
    return true;
}

// The spec requires an error for duplicate types: which one would win is
// otherwise up to the order of setrlimit calls.
Finding check_rlimits(const Process& process, const std::string& at)
{
    std::set<std::string> seen;
    for (std::size_t i = 0; i < process.rlimits.size(); ++i) {
        const std::string& type = process.rlimits[i].type;
        std::string path = child_path(index_path(child_path(at, "rlimits"), i), "type");
        if (!is_rlimit_shaped(type))
            return problem(path, "expected a name like RLIMIT_NOFILE, got " + json::quote(type));
        if (!names::contains(names::rlimits, type))
            return problem(path, checks::unknown_name(names::rlimits, "rlimit", type));
        if (!seen.insert(type).second)
            return problem(path, "duplicate rlimit " + json::quote(type));
    }
    return std::nullopt;
}

// IOPRIO_PRIO_DATA holds levels 0 (highest) to 7 for the RT and BE classes.
Finding check_io_priority(const Process& process, const std::string& at)
{
    if (!process.io_priority)
        return std::nullopt;
    std::string path = child_path(at, "ioPriority");
    const IoPriority& io = *process.io_priority;
    if (!names::contains(names::io_priority_classes, io.io_class))
        return problem(child_path(path, "class"), checks::unknown_name(names::io_priority_classes, "I/O priority class", io.io_class));
    if (io.priority < 0 || io.priority > 7)
        return problem(child_path(path, "priority"), "expected a level from 0 to 7, got " + std::to_string(io.priority));
    return std::nullopt;
}

// What sched_setattr(2) would refuse anyway, reported with the JSON path.
Finding check_scheduler(const Process& process, const std::string& at)
{
    if (!process.scheduler)
        return std::nullopt;
    const Scheduler& s = *process.scheduler;
    std::string path = child_path(at, "scheduler");
    if (!names::contains(names::scheduler_policies, s.policy))
        return problem(child_path(path, "policy"), checks::unknown_name(names::scheduler_policies, "scheduler policy", s.policy));
    for (std::size_t i = 0; i < s.flags.size(); ++i)
        if (!names::contains(names::scheduler_flags, s.flags[i]))
            return problem(index_path(child_path(path, "flags"), i), checks::unknown_name(names::scheduler_flags, "scheduler flag", s.flags[i]));
    if (s.nice < -20 || s.nice > 19)
        return problem(child_path(path, "nice"), "expected a value from -20 to 19, got " + std::to_string(s.nice));
    bool realtime = s.policy == "SCHED_FIFO" || s.policy == "SCHED_RR";
    if (s.priority != 0 && !realtime)
        return problem(child_path(path, "priority"), "only SCHED_FIFO and SCHED_RR take a priority");
    bool deadline = s.policy == "SCHED_DEADLINE";
    if (!deadline && (s.runtime != 0 || s.deadline != 0 || s.period != 0))
        return problem(path, "runtime, deadline and period are only for SCHED_DEADLINE");
    return std::nullopt;
}

bool is_cpu_list(const std::string& cpus)
{
    for (char c : cpus)
        if (!((c >= '0' && c <= '9') || c == ',' || c == ' ' || c == '-'))
            return false;
    return true;
}

Finding check_exec_cpu_affinity(const Process& process, const std::string& at)
{
    if (!process.exec_cpu_affinity)
        return std::nullopt;
    std::string path = child_path(at, "execCPUAffinity");
    const ExecCpuAffinity& affinity = *process.exec_cpu_affinity;
    if (!is_cpu_list(affinity.initial))
        return problem(child_path(path, "initial"), "expected a CPU list like \"0-3,7\", got " + json::quote(affinity.initial));
    if (!is_cpu_list(affinity.final_cpus))
        return problem(child_path(path, "final"), "expected a CPU list like \"0-3,7\", got " + json::quote(affinity.final_cpus));
    return std::nullopt;
}

const ProcessCheck process_checks[] = {
    {"cwd is an absolute path", check_cwd},
    {"args name a program", check_args},
    {"capability names are known", check_capabilities},
    {"rlimit types are known and unique", check_rlimits},
    {"ioPriority class and level", check_io_priority},
    {"scheduler policy, flags and values", check_scheduler},
    {"execCPUAffinity lists", check_exec_cpu_affinity},
};

} // namespace

Finding find_process_problem(const Process& process, const std::string& at)
{
    for (const ProcessCheck& check : process_checks)
        if (Finding found = check.run(process, at))
            return found;
    return std::nullopt;
}

void validate_process(const Process& process, const std::string& source_name, const std::string& at)
{
    if (Finding found = find_process_problem(process, at))
        checks::throw_problem(source_name, *found);
}

} // namespace oci::spec
