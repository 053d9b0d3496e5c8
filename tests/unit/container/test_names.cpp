#include <catch2/catch.hpp>

#include <oci/error.hpp>
#include <oci/runtime.hpp>

#include <signal.h>

TEST_CASE("signals by name, SIG name and number")
{
    CHECK(oci::parse_signal("KILL") == SIGKILL);
    CHECK(oci::parse_signal("SIGKILL") == SIGKILL);
    CHECK(oci::parse_signal("9") == SIGKILL);
    CHECK(oci::parse_signal("term") == SIGTERM);
    CHECK(oci::parse_signal("USR1") == SIGUSR1);
    CHECK(oci::parse_signal("RTMIN+1") == SIGRTMIN + 1);
    CHECK_THROWS_WITH(oci::parse_signal("NOPE"), "invalid signal: NOPE");
    CHECK_THROWS(oci::parse_signal("0"));
    CHECK_THROWS(oci::parse_signal("99"));
    CHECK_THROWS(oci::parse_signal(""));
}

TEST_CASE("container ids: [A-Za-z0-9_+.-], not . or ..")
{
    for (const char* ok : {"c1", "a.b-c_d+e", "X", "..."})
        CHECK_NOTHROW(oci::validate_container_id(ok));
    for (const char* bad : {"", ".", "..", "a/b", "../x", "a b", "a\nb", "é"})
        CHECK_THROWS_AS(oci::validate_container_id(bad), oci::Error);
}
