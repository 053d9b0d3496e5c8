#include "commands.hpp"

#include <oci/error.hpp>

#include <cstdlib>

namespace ocirun {

namespace {

uint32_t parse_id(const std::string& text, const std::string& flag)
{
    char* end = nullptr;
    unsigned long v = std::strtoul(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || text[0] == '-' || v > 0xffffffffUL)
        throw UsageError("invalid " + flag + " value \"" + text + "\": only numeric ids are accepted");
    return static_cast<uint32_t>(v);
}

} // namespace

// --user uid[:gid] is numeric only: a name would be looked up in the image's
// /etc/passwd, which the image controls (CVE-2016-3697).
void parse_user(const std::string& text, oci::ExecOptions& o)
{
    auto colon = text.find(':');
    o.uid = parse_id(text.substr(0, colon), "--user");
    if (colon != std::string::npos)
        o.gid = parse_id(text.substr(colon + 1), "--user");
}

oci::ExecOptions exec_options_from(const ParsedArgs& parsed)
{
    oci::ExecOptions o;
    if (auto file = parsed.value("process"))
        o.process = oci::spec::parse_process(read_input(*file), *file);
    o.args.assign(parsed.positional.begin() + 1, parsed.positional.end());
    o.tty = parsed.flag("tty");
    o.console_socket = parsed.value_or("console-socket", "");
    o.detach = parsed.flag("detach");
    o.pid_file = parsed.value_or("pid-file", "");
    o.cwd = parsed.value_or("cwd", "");
    o.env = parsed.all("env");
    if (auto u = parsed.value("user"))
        parse_user(*u, o);
    for (const auto& g : parsed.all("additional-gids"))
        o.additional_gids.push_back(parse_id(g, "--additional-gids"));
    o.caps = parsed.all("cap");
    o.no_new_privs = parsed.flag("no-new-privs");
    o.apparmor_profile = parsed.value_or("apparmor", "");
    o.process_label = parsed.value_or("process-label", "");
    if (auto n = parsed.value("preserve-fds"))
        o.preserve_fds = parse_unsigned(*n, "preserve-fds");
    o.ignore_paused = parsed.flag("ignore-paused");
    return o;
}

std::vector<FlagSpec> exec_flag_specs()
{
    return {
        {"console-socket", "", true}, {"cwd", "", true},          {"env", "e", true},
        {"tty", "t", false},          {"user", "u", true},        {"additional-gids", "g", true},
        {"process", "p", true},       {"detach", "d", false},     {"pid-file", "", true},
        {"process-label", "", true},  {"apparmor", "", true},     {"no-new-privs", "", false},
        {"cap", "c", true},           {"preserve-fds", "", true}, {"cgroup", "", true},
        {"ignore-paused", "", false},
    };
}

int cmd_exec(Context& ctx, const std::vector<std::string>& args)
{
    auto parsed = parse_args(args, exec_flag_specs(), true);
    if (parsed.positional.empty())
        throw UsageError("exec: usage: ocirun exec [options] <container-id> <command> [args...]");
    oci::ExecOptions options = exec_options_from(parsed);
    if (!options.process && options.args.empty())
        throw UsageError("exec: a command or --process is required");
    return oci::Runtime(ctx.runtime).exec(parsed.positional[0], options);
}

} // namespace ocirun
