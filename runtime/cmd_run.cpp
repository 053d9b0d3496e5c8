#include "commands.hpp"

namespace ocirun {

int cmd_run(Context& ctx, const std::vector<std::string>& args)
{
    auto specs = create_flag_specs();
    specs.push_back({"detach", "d", false});
    specs.push_back({"keep", "", false});
    auto parsed = parse_args(args, specs);
    require_args(parsed, 1, "run", "<container-id>");
    oci::RunOptions options;
    options.create = create_options_from(parsed);
    options.detach = parsed.flag("detach");
    return oci::Runtime(ctx.runtime).run(parsed.positional[0], options);
}

} // namespace ocirun
