#include <catch2/catch.hpp>

#include <oci/error.hpp>

#include <cerrno>

TEST_CASE("errors carry context and errno")
{
    try {
        oci::with_context("create c1", [] { oci::throw_errno("mount proc on /proc", ENODEV); });
        FAIL("no exception");
    } catch (const oci::Error& e) {
        CHECK(std::string(e.what()) == "create c1: mount proc on /proc: no such device");
        CHECK(e.code() == ENODEV);
    }
}
