#include "commands.hpp"

#include <algorithm>
#include <cstdio>

namespace ocirun {

namespace {

std::string json_list(const std::vector<oci::State>& states)
{
    // runc prints a compact array of its state objects ("null" when empty).
    if (states.empty())
        return "null";
    std::string out = "[";
    for (size_t i = 0; i < states.size(); ++i) {
        std::string one = oci::state_to_json(states[i]);
        one.erase(std::remove(one.begin(), one.end(), '\n'), one.end());
        one.erase(std::remove(one.begin(), one.end(), '\t'), one.end());
        out += (i ? "," : "") + one;
    }
    return out + "]";
}

} // namespace

int cmd_list(Context& ctx, const std::vector<std::string>& args)
{
    auto parsed = parse_args(args, {{"format", "f", true}, {"quiet", "q", false}});
    auto states = oci::Runtime(ctx.runtime).list();
    std::string format = parsed.value_or("format", "table");
    if (parsed.flag("quiet")) {
        for (const auto& s : states)
            std::printf("%s\n", s.id.c_str());
    } else if (format == "json") {
        std::printf("%s\n", json_list(states).c_str());
    } else if (format == "table") {
        size_t w = 2;
        for (const auto& s : states)
            w = std::max(w, s.id.size());
        std::printf("%-*s   %-7s  %-8s  %-40s  %-30s  %s\n", static_cast<int>(w), "ID", "PID", "STATUS", "BUNDLE",
                    "CREATED", "OWNER");
        for (const auto& s : states)
            std::printf("%-*s   %-7d  %-8s  %-40s  %-30s  %s\n", static_cast<int>(w), s.id.c_str(), s.pid,
                        oci::to_string(s.status), s.bundle.c_str(), s.created.c_str(),
                        s.owner.empty() ? "root" : s.owner.c_str());
    } else {
        throw UsageError("invalid format option: " + format);
    }
    return 0;
}

} // namespace ocirun
