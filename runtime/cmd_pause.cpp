#include "commands.hpp"

namespace ocirun {

int cmd_pause(Context& ctx, const std::vector<std::string>& args)
{
    auto parsed = parse_args(args, {});
    require_args(parsed, 1, "pause", "<container-id>");
    oci::Runtime(ctx.runtime).pause(parsed.positional[0]);
    return 0;
}

int cmd_resume(Context& ctx, const std::vector<std::string>& args)
{
    auto parsed = parse_args(args, {});
    require_args(parsed, 1, "resume", "<container-id>");
    oci::Runtime(ctx.runtime).resume(parsed.positional[0]);
    return 0;
}

} // namespace ocirun
