#include "commands.hpp"

#include <oci/error.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace ocirun {

int cmd_events(Context& ctx, const std::vector<std::string>& args)
{
    auto parsed = parse_args(args, {{"stats", "", false}, {"interval", "", true}});
    require_args(parsed, 1, "events", "<container-id>");
    const std::string& id = parsed.positional[0];
    oci::Runtime runtime(ctx.runtime);
    auto print = [](const oci::Event& event) {
        std::printf("%s\n", oci::event_to_json(event).c_str());
        std::fflush(stdout);
    };
    if (parsed.flag("stats")) {
        print(oci::Event{"stats", id, runtime.stats_json(id)});
        return 0;
    }
    // The interval as runc takes it: "5s", "500ms", or seconds.
    std::string interval = parsed.value_or("interval", "5s");
    char* end = nullptr;
    double value = std::strtod(interval.c_str(), &end);
    std::string unit = end;
    double ms = unit == "ms" ? value : unit == "m" ? value * 60000 : value * 1000;
    if (value <= 0 || (unit != "" && unit != "s" && unit != "ms" && unit != "m"))
        throw UsageError("invalid --interval: " + interval);
    runtime.events(id, std::chrono::milliseconds(static_cast<long long>(ms < 1 ? 1 : ms)), print);
    return 0;
}

} // namespace ocirun
