#include "commands.hpp"

#include <cstdio>

namespace ocirun {

int cmd_state(Context& ctx, const std::vector<std::string>& args)
{
    auto parsed = parse_args(args, {});
    require_args(parsed, 1, "state", "<container-id>");
    std::string json = oci::state_to_json(oci::Runtime(ctx.runtime).state(parsed.positional[0]));
    std::fputs(json.c_str(), stdout);
    std::fputc('\n', stdout);
    return 0;
}

} // namespace ocirun
