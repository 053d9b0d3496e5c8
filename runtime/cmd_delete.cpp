#include "commands.hpp"

namespace ocirun {

std::vector<FlagSpec> delete_flag_specs()
{
    return {{"force", "f", false}};
}

int cmd_delete(Context& ctx, const std::vector<std::string>& args)
{
    auto parsed = parse_args(args, delete_flag_specs());
    if (parsed.positional.empty())
        throw UsageError("delete: usage: ocirun delete [--force] <container-id>...");
    oci::Runtime runtime(ctx.runtime);
    for (const auto& id : parsed.positional)
        runtime.remove(id, parsed.flag("force"));
    return 0;
}

} // namespace ocirun
