#include "commands.hpp"

namespace ocirun {

std::vector<FlagSpec> kill_flag_specs()
{
    return {{"all", "a", false}};
}

int cmd_kill(Context& ctx, const std::vector<std::string>& args)
{
    auto parsed = parse_args(args, kill_flag_specs());
    if (parsed.positional.empty() || parsed.positional.size() > 2)
        throw UsageError("kill: usage: ocirun kill [--all] <container-id> [signal]");
    int signal = oci::parse_signal(parsed.positional.size() == 2 ? parsed.positional[1] : "SIGTERM");
    oci::Runtime(ctx.runtime).kill(parsed.positional[0], signal, parsed.flag("all"));
    return 0;
}

} // namespace ocirun
