#include "commands.hpp"

#include <cstdlib>

namespace ocirun {

int cmd_start(Context& ctx, const std::vector<std::string>& args)
{
    auto parsed = parse_args(args, {});
    require_args(parsed, 1, "start", "<container-id>");
    oci::StartOptions options;
    if (const char* notify = std::getenv("NOTIFY_SOCKET"); notify != nullptr)
        options.notify_socket = notify;
    oci::Runtime(ctx.runtime).start(parsed.positional[0], options);
    return 0;
}

} // namespace ocirun
