#include "commands.hpp"

#include <cstdio>

namespace ocirun {

int cmd_features(Context&, const std::vector<std::string>& args)
{
    auto parsed = parse_args(args, {});
    require_args(parsed, 0, "features", "");
    std::printf("%s\n", oci::features_json().c_str());
    return 0;
}

} // namespace ocirun
