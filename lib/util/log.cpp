// The process-wide log sink behind oci::log.
#include <oci/log.hpp>

#include <cstdio>
#include <ctime>

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

std::string rfc3339_now()
{
    struct timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    ::gmtime_r(&ts.tv_sec, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%09ldZ", ts.tv_nsec);
    return std::string(buf) + frac;
}

} // namespace oci
