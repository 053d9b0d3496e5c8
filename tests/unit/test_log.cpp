#include <catch2/catch.hpp>

#include <oci/log.hpp>

#include <ctime>
#include <string>

namespace {

// What the C library makes of the same instant, as the reference.
std::string with_gmtime(long long seconds, long nanoseconds)
{
    time_t t = static_cast<time_t>(seconds);
    struct tm tm {};
    ::gmtime_r(&t, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nanoseconds);
    return buf;
}

} // namespace

TEST_CASE("rfc3339: UTC dates by arithmetic agree with gmtime")
{
    CHECK(oci::rfc3339(0, 0) == "1970-01-01T00:00:00.000000000Z");
    CHECK(oci::rfc3339(951782400, 5) == "2000-02-29T00:00:00.000000005Z");   // a leap day of a century year
    CHECK(oci::rfc3339(4107542399LL, 999999999) == "2100-02-28T23:59:59.999999999Z");
    CHECK(oci::rfc3339(-1, 0) == "1969-12-31T23:59:59.000000000Z");
    // Every day from 1969 to 2101, at an hour that moves through the day.
    for (long long day = -400; day < 48000; ++day) {
        long long t = day * 86400 + (day * 3607) % 86400;
        INFO("seconds " << t);
        REQUIRE(oci::rfc3339(t, 123) == with_gmtime(t, 123));
    }
}
