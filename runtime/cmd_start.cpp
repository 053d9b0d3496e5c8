#include "commands.hpp"

namespace ocirun {

int cmd_start(Context& ctx, const std::vector<std::string>& args)
{
    auto parsed = parse_args(args, {});
    require_args(parsed, 1, "start", "<container-id>");
    oci::Runtime(ctx.runtime).start(parsed.positional[0]);
    return 0;
}

} // namespace ocirun
