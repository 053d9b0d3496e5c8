#include <catch2/catch.hpp>

#include "util/strings.hpp"

#include <string>
#include <string_view>
#include <vector>

using oci::util::lines;
using oci::util::words;

TEST_CASE("lines: as getline reads them, without a stream")
{
    using V = std::vector<std::string_view>;
    CHECK(lines("") == V{});
    CHECK(lines("a") == V{"a"});
    CHECK(lines("a\n") == V{"a"});
    CHECK(lines("a\nb") == V{"a", "b"});
    CHECK(lines("a\n\nb\n") == V{"a", "", "b"});
    CHECK(lines("\n") == V{""});
    CHECK(lines("12:pids:/\n0::/user.slice\n") == V{"12:pids:/", "0::/user.slice"});
}

TEST_CASE("words: split on runs of white space, as operator>> reads them")
{
    using V = std::vector<std::string>;
    CHECK(words("") == V{});
    CHECK(words("  \n\t ") == V{});
    CHECK(words("cpu io memory pids") == V{"cpu", "io", "memory", "pids"});
    CHECK(words(" cpu\tio\n memory  ") == V{"cpu", "io", "memory"});
}
