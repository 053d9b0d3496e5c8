// ocirun: runc's command line over liboci. Global flags, the command table,
// and the one place errors become an exit code.
#include "commands.hpp"
#include "log_output.hpp"

#include <oci/error.hpp>

#include <sys/stat.h>
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
                 "   --cgroup-manager M    cgroupfs (default), systemd, or disabled: no cgroup of its own\n"
                 "   --version, -v         print the version\n");
}

// Without root the state lives in the user's runtime dir. Failing here is
// clearer than the EACCES that a missing /run/user/<uid> would give later.
// Root of a user namespace (rootless Podman runs us so) counts as rootless
// unless USER says it is the real root.
std::string caller_default_root()
{
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    const char* user = std::getenv("USER");
    bool namespace_root = ::geteuid() == 0 && (user == nullptr || std::strcmp(user, "root") != 0) &&
                          oci::running_rootless();
    std::string root = default_root(::geteuid(), xdg, namespace_root);
    if (::geteuid() == 0 || (xdg != nullptr && xdg[0] != '\0'))
        return root;
    std::string user_dir = "/run/user/" + std::to_string(::geteuid());
    struct stat st;
    if (::stat(user_dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        return root;
    throw oci::Error("running without root, XDG_RUNTIME_DIR is not set and " + user_dir +
                     " does not exist: set XDG_RUNTIME_DIR to a directory of yours, or pass --root");
}

// Commands that never touch the state directory.
bool uses_state(const std::string& command)
{
    return command != "spec" && command != "features";
}

int run_main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    ParsedArgs global = parse_args(args, global_flag_specs(), true);

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
    const std::string& name = global.positional[0];
    bool need_root = !global.value("root") && uses_state(name);
    ctx.runtime = runtime_options_from(global, need_root ? caller_default_root() : "");

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
