#include "commands.hpp"

namespace ocirun {

int cmd_delete(Context& ctx, const std::vector<std::string>& args)
{
    auto parsed = parse_args(args, {{"force", "f", false}});
    if (parsed.positional.empty())
        throw UsageError("delete: usage: ocirun delete [--force] <container-id>...");
    oci::Runtime runtime(ctx.runtime);
    for (const auto& id : parsed.positional)
        runtime.remove(id, parsed.flag("force"));
    return 0;
}

} // namespace ocirun
