#include "commands.hpp"

#include <oci/error.hpp>

#include <cstdio>
#include <unistd.h>

namespace ocirun {

int cmd_events(Context& ctx, const std::vector<std::string>& args)
{
    auto parsed = parse_args(args, {{"stats", "", false}, {"interval", "", true}});
    require_args(parsed, 1, "events", "<container-id>");
    const std::string& id = parsed.positional[0];
    oci::Runtime runtime(ctx.runtime);
    auto event = [&] {
        std::string data = runtime.stats_json(id);
        std::printf("{\"type\":\"stats\",\"id\":\"%s\",\"data\":%s}\n", id.c_str(), data.c_str());
        std::fflush(stdout);
    };
    if (parsed.flag("stats")) {
        event();
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
    for (;;) {
        try {
            event();
        } catch (const oci::Error&) {
            if (runtime.state(id).status == oci::Status::stopped)
                return 0;
            throw;
        }
        ::usleep(static_cast<useconds_t>(ms * 1000));
    }
}

} // namespace ocirun
