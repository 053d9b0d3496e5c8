#include <catch2/catch.hpp>

#include "cli_args.hpp"

using ocirun::FlagSpec;
using ocirun::parse_args;

namespace {
const std::vector<FlagSpec> kSpecs = {
    {"bundle", "b", true}, {"pid-file", "", true}, {"detach", "d", false}, {"preserve-fds", "", true}};
}

TEST_CASE("cli: flags in every form runc accepts")
{
    auto p = parse_args({"--bundle", "/b", "--pid-file=/p", "-d", "c1"}, kSpecs);
    CHECK(p.value_or("bundle", "") == "/b");
    CHECK(p.value_or("pid-file", "") == "/p");
    CHECK(p.flag("detach"));
    REQUIRE(p.positional == std::vector<std::string>{"c1"});

    auto q = parse_args({"-b", "/x", "c1", "-detach=false"}, kSpecs);
    CHECK(q.value_or("bundle", "") == "/x");
    CHECK_FALSE(q.flag("detach"));
    CHECK(q.positional == std::vector<std::string>{"c1"});
}

TEST_CASE("cli: flags after positional arguments (containerd's kill --all ID 9 and ID first)")
{
    auto p = parse_args({"c1", "--bundle", "/b"}, kSpecs);
    CHECK(p.positional == std::vector<std::string>{"c1"});
    CHECK(p.value_or("bundle", "") == "/b");
}

TEST_CASE("cli: stop at the first positional for global flags and exec")
{
    auto p = parse_args({"--bundle", "/b", "create", "--detach"}, kSpecs, true);
    CHECK(p.positional == std::vector<std::string>{"create", "--detach"});
    auto q = parse_args({"--", "-d"}, kSpecs);
    CHECK(q.positional == std::vector<std::string>{"-d"});
}

TEST_CASE("cli: unknown flags and missing values are usage errors")
{
    CHECK_THROWS_AS(parse_args({"--nope"}, kSpecs), ocirun::UsageError);
    CHECK_THROWS_WITH(parse_args({"--bundle"}, kSpecs), "flag needs an argument: -bundle");
    CHECK_THROWS_AS(parse_args({"--detach=maybe"}, kSpecs), ocirun::UsageError);
}

TEST_CASE("cli: numeric flag values")
{
    CHECK(ocirun::parse_unsigned("2", "preserve-fds") == 2);
    CHECK_THROWS_AS(ocirun::parse_unsigned("-1", "preserve-fds"), ocirun::UsageError);
    CHECK_THROWS_AS(ocirun::parse_unsigned("2x", "preserve-fds"), ocirun::UsageError);
    CHECK_THROWS_AS(ocirun::parse_unsigned("", "preserve-fds"), ocirun::UsageError);
}

TEST_CASE("cli: repeatable flags keep every value; value() is the last")
{
    const std::vector<FlagSpec> specs = {{"env", "e", true}};
    auto p = parse_args({"-e", "A=1", "--env=B=2", "--env", "C=3"}, specs);
    CHECK(p.all("env") == std::vector<std::string>{"A=1", "B=2", "C=3"});
    CHECK(p.value_or("env", "") == "C=3");
    CHECK(p.all("nope").empty());
}
