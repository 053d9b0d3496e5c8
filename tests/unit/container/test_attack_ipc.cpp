// T-IPC-1 (CVE-2021-43784): the parent <-> init messages round-trip at every size they
// accept, refuse larger ones instead of cutting them, and random frames from the peer are
// rejected without a crash. T-CAP-3 (youki CVE-2025-27612): the exec options of the
// library API add capabilities only to bounding, effective and permitted.
#include <catch2/catch.hpp>

#include "container/sync_socket.hpp"

#include <oci/error.hpp>
#include <oci/runtime.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <string>

using oci::core::Message;
using oci::core::Msg;

namespace {

struct Pair {
    oci::util::unique_fd a, b;
    Pair() { oci::core::make_socketpair(a, b); }
};

} // namespace

TEST_CASE("T-IPC-1 messages round-trip at 0, 1 and 60 KiB; longer ones are refused, not cut", "[attack][ipc]")
{
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{60 * 1024}}) {
        Pair p;
        std::string text(size, 'x');
        oci::core::send_msg(p.a.get(), Msg::go, 7, text);
        Message m;
        REQUIRE(oci::core::recv_msg(p.b.get(), m));
        CHECK(m.type == Msg::go);
        CHECK(m.err == 7);
        CHECK(m.text == text);
    }
    for (std::size_t size : {std::size_t{60 * 1024 + 1}, std::size_t{65535}, std::size_t{65536},
                             std::size_t{1024 * 1024}}) {
        Pair p;
        CHECK_THROWS_AS(oci::core::send_msg(p.a.get(), Msg::go, 0, std::string(size, 'x')), oci::Error);
    }
}

TEST_CASE("T-IPC-1 random and oversized frames from the peer are rejected", "[attack][ipc]")
{
    std::mt19937 rng(43784);
    int accepted = 0;
    for (int i = 0; i < 2000; ++i) {
        Pair p;
        std::size_t len = rng() % 64;
        if (i % 50 == 0)
            len = 70 * 1024;   // bigger than any message: truncated by the kernel
        std::string frame(len, '\0');
        for (auto& c : frame)
            c = static_cast<char>(rng());
        REQUIRE(::send(p.a.get(), frame.data(), frame.size(), 0) == static_cast<ssize_t>(frame.size()));
        Message m;
        try {
            if (oci::core::recv_msg(p.b.get(), m)) {
                // Accepted only when the header's length is the frame's.
                CHECK(m.text.size() + 12 == len);
                ++accepted;
            }
        } catch (const oci::Error&) {
        }
    }
    // Random 12-byte headers whose length field is 0 are the only frames that fit.
    CHECK(accepted < 100);
}

TEST_CASE("T-CAP-3 exec options add capabilities to bounding, effective, permitted only", "[attack][caps]")
{
    oci::spec::Process base;
    base.capabilities.emplace();
    base.capabilities->bounding = std::vector<std::string>{"CAP_CHOWN"};
    oci::ExecOptions o;
    o.args = {"true"};
    o.caps = {"CAP_KILL", "CAP_AUDIT_WRITE"};
    oci::spec::Process p = oci::exec_process(base, o);
    REQUIRE(p.capabilities);
    CHECK(!p.capabilities->inheritable);
    CHECK(!p.capabilities->ambient);
    for (const auto* set : {&p.capabilities->bounding, &p.capabilities->effective, &p.capabilities->permitted}) {
        REQUIRE(*set);
        CHECK(std::count((*set)->begin(), (*set)->end(), "CAP_KILL") == 1);
        CHECK(std::count((*set)->begin(), (*set)->end(), "CAP_AUDIT_WRITE") == 1);
    }
    // Without capabilities in the container's process, the same.
    p = oci::exec_process(oci::spec::Process{}, o);
    REQUIRE(p.capabilities);
    CHECK(!p.capabilities->inheritable);
    CHECK(!p.capabilities->ambient);
}
