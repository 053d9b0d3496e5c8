#include "commands.hpp"

#include <cstdlib>

namespace ocirun {

std::vector<FlagSpec> create_flag_specs()
{
    return {
        {"bundle", "b", true},       {"pid-file", "", true},       {"console-socket", "", true},
        {"no-pivot", "", false},     {"no-new-keyring", "", false}, {"preserve-fds", "", true},
        {"pidfd-socket", "", true},
    };
}

oci::CreateOptions create_options_from(const ParsedArgs& parsed)
{
    oci::CreateOptions o;
    o.bundle = parsed.value_or("bundle", ".");
    o.pid_file = parsed.value_or("pid-file", "");
    o.console_socket = parsed.value_or("console-socket", "");
    o.no_pivot = parsed.flag("no-pivot");
    o.no_new_keyring = parsed.flag("no-new-keyring");
    if (auto n = parsed.value("preserve-fds"))
        o.preserve_fds = parse_unsigned(*n, "preserve-fds");
    // Socket activation passes through, as with runc: systemd's fds follow stdio.
    if (const char* listen = std::getenv("LISTEN_FDS"); listen != nullptr && listen[0] != '\0')
        o.listen_fds = parse_unsigned(listen, "LISTEN_FDS environment variable");
    // sd_notify is proxied, as with runc: the container gets a socket of ours.
    if (const char* notify = std::getenv("NOTIFY_SOCKET"); notify != nullptr)
        o.notify_socket = notify;
    return o;
}

int cmd_create(Context& ctx, const std::vector<std::string>& args)
{
    auto parsed = parse_args(args, create_flag_specs());
    require_args(parsed, 1, "create", "<container-id>");
    oci::Runtime(ctx.runtime).create(parsed.positional[0], create_options_from(parsed));
    return 0;
}

} // namespace ocirun
