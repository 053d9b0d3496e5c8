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
    return rfc3339(ts.tv_sec, ts.tv_nsec);
}

std::string rfc3339(long long secs, long nanoseconds)
{
    // The calendar date by arithmetic (days since 1970-01-01 to year, month,
    // day in the proleptic Gregorian calendar): the C library's gmtime loads
    // the local time zone (/etc/localtime) on its first call, UTC needs none.
    long long days = secs / 86400;
    long long rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    long long z = days + 719468;   // days since 0000-03-01
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;                                    // day of the 400-year era
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; // year of the era
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);             // day of the year from March 1
    long long mp = (5 * doy + 2) / 153;                                  // month from March
    long long day = doy - (153 * mp + 2) / 5 + 1;
    long long month = mp < 10 ? mp + 3 : mp - 9;
    long long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09ldZ", year, month, day, rem / 3600,
                  rem / 60 % 60, rem % 60, nanoseconds);
    return buf;
}

} // namespace oci
