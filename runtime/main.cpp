// ocirun: runc's command line over liboci. Global flags, the command table,
// and the one place errors become an exit code.
#include "commands.hpp"
#include "log_output.hpp"

#include <oci/error.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ocirun {

const std::vector<CommandEntry>& commands()
{
    static const std::vector<CommandEntry> table = {
        {"create", cmd_create, "create a container", true},
        {"start", cmd_start, "start a created container", false},
        {"state", cmd_state, "output the state of a container", false},
        {"kill", cmd_kill, "send a signal to the container's init process", false},
        {"delete", cmd_delete, "delete a container and what it holds", false},
        {"run", cmd_run, "create and start a container", true},
        {"exec", cmd_exec, "run a new process inside a container", true},
        {"list", cmd_list, "list containers", false},
        {"spec", cmd_spec, "create a new specification file", false},
        {"features", cmd_features, "show the enabled features", false},
        {"pause", cmd_pause, "freeze every process of a container", false},
        {"resume", cmd_resume, "thaw a paused container", false},
        {"ps", cmd_ps, "list the processes of a container", false},
        {"events", cmd_events, "show resource statistics of a container", false},
        {"update", cmd_update, "change a container's resource limits", false},
    };
    return table;
}

void require_args(const ParsedArgs& parsed, size_t count, const char* command, const char* what)
{
    if (parsed.positional.size() != count)
        throw UsageError(std::string(command) + ": expected " + std::to_string(count) + " argument" +
                         (count == 1 ? "" : "s") + (what[0] ? std::string(" ") + what : std::string()) + ", got " +
                         std::to_string(parsed.positional.size()));
}

namespace {

void print_usage(FILE* out)
{
    std::fprintf(out, "usage: ocirun [global options] command [command options] [arguments...]\n\ncommands:\n");
    for (const auto& c : commands())
        std::fprintf(out, "   %-8s %s\n", c.name, c.usage);
    std::fprintf(out,
                 "\nglobal options:\n"
                 "   --root DIR            state directory (default /run/ocirun; $XDG_RUNTIME_DIR/ocirun rootless)\n"
                 "   --log FILE            log file (default stderr)\n"
                 "   --log-format FORMAT   text or json\n"
                 "   --debug               log debug messages\n"
                 "   --systemd-cgroup      manage cgroups through systemd (cgroupsPath \"slice:prefix:name\")\n"
                 "   --version, -v         print the version\n");
}

std::string default_root()
{
    if (::geteuid() == 0)
        return "/run/ocirun";
    // Podman sets XDG_RUNTIME_DIR to "" as root; empty counts as unset.
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    if (xdg != nullptr && xdg[0] != '\0')
        return std::string(xdg) + "/ocirun";
    return "/run/user/" + std::to_string(::geteuid()) + "/ocirun";
}

int run_main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    std::vector<FlagSpec> globals = {
        {"root", "", true},        {"log", "", true},          {"log-format", "", true},
        {"debug", "", false},      {"systemd-cgroup", "", false}, {"cgroup-manager", "", true},
        {"rootless", "", true},    {"criu", "", true},          {"version", "v", false},
        {"help", "h", false},
    };
    ParsedArgs global = parse_args(args, globals, true);

    LogConfig log;
    log.path = global.value_or("log", "");
    std::string format = global.value_or("log-format", "text");
    if (format != "text" && format != "json")
        throw UsageError("invalid log-format: " + format);
    log.json = format == "json";
    log.debug = global.flag("debug");
    setup_logging(log);

    if (global.flag("version")) {
        auto v = oci::version_info();
        std::printf("ocirun version %s\ncommit: %s\nspec: %s\n", v.version.c_str(), v.commit.c_str(),
                    v.spec_version.c_str());
        return 0;
    }
    if (global.flag("help") || global.positional.empty()) {
        print_usage(global.positional.empty() && !global.flag("help") ? stderr : stdout);
        return global.flag("help") ? 0 : 1;
    }

    Context ctx;
    ctx.argv = argv;
    ctx.runtime.root = global.value_or("root", default_root());
    ctx.runtime.systemd_cgroup = global.flag("systemd-cgroup");

    const std::string& name = global.positional[0];
    std::vector<std::string> rest(global.positional.begin() + 1, global.positional.end());
    for (const auto& c : commands()) {
        if (name != c.name)
            continue;
        if (c.enters_container)
            oci::reexec_sealed(argv);
        return c.run(ctx, rest);
    }
    throw UsageError("no such command: " + name);
}

} // namespace

} // namespace ocirun

int main(int argc, char** argv)
{
    try {
        return ocirun::run_main(argc, argv);
    } catch (const ocirun::UsageError& e) {
        ocirun::report_error(e.what());
        return 1;
    } catch (const std::exception& e) {
        ocirun::report_error(e.what());
        return 1;
    }
}
