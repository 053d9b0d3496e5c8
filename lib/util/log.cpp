// The process-wide log sink behind oci::log.
#include <oci/log.hpp>

namespace oci {

namespace {
LogSink g_sink;
LogLevel g_min = LogLevel::info;
} // namespace

void set_log_sink(LogSink sink, LogLevel min_level)
{
    g_sink = std::move(sink);
    g_min = min_level;
}

void log(LogLevel level, const std::string& message)
{
    if (g_sink && level >= g_min)
        g_sink(level, message);
}

const char* to_string(LogLevel level)
{
    switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
    }
    return "info";
}

} // namespace oci
