#include <catch2/catch.hpp>

#include "util/spin_wait.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <thread>

TEST_CASE("spin_until_readable: input that comes within the time, or none")
{
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    // Nothing to read: false once the time is up, and not long after.
    auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(oci::util::spin_until_readable(p[0], 2 * 1000 * 1000));
    auto waited = std::chrono::steady_clock::now() - start;
    CHECK(waited >= std::chrono::milliseconds(2));
    CHECK(waited < std::chrono::seconds(5));
    // Written while it looks.
    std::thread writer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        CHECK(::write(p[1], "x", 1) == 1);
    });
    CHECK(oci::util::spin_until_readable(p[0], 1000L * 1000 * 1000));
    writer.join();
    // A hang-up counts: the waiter goes on to find out why.
    char c;
    CHECK(::read(p[0], &c, 1) == 1);
    ::close(p[1]);
    CHECK(oci::util::spin_until_readable(p[0], 1000L * 1000 * 1000));
    ::close(p[0]);
}
