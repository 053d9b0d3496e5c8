// json::parse and json::Node: syntax errors with line:column, typed
// accessors with JSON paths, integer ranges, null and duplicate keys.
#include "helpers.hpp"

#include <spec/json_reader.hpp>

#include <catch2/catch.hpp>

using namespace oci::spec;
using spec_test::error_of;

namespace {

const std::string source = "test.json";

// Parses text and runs fn on the document's root node.
template <class Fn> auto with_root(const std::string& text, Fn fn)
{
    json::Value document = json::parse(text, source);
    return fn(json::Node(document, source));
}

} // namespace

TEST_CASE("json: syntax errors carry line and column")
{
    CHECK(error_of([] { json::parse("{]", source); }) ==
          "test.json:1:2: parse error: invalid object key (must be a string)");
    CHECK(error_of([] { json::parse("{\n  \"a\": 1,\n  \"b\": x\n}", source); }) ==
          "test.json:3:8: lexical error: invalid char in json text.");
    CHECK(error_of([] { json::parse("{\"a\": [1,]}", source); }) ==
          "test.json:1:10: parse error: unallowed token at this point in JSON text");
    // Found only at the end of input: reported at the last character.
    CHECK(error_of([] { json::parse("{\"a\":\n", source); }) == "test.json:1:6: parse error: premature EOF");
    CHECK(error_of([] { json::parse("", source); }) == "test.json:1:1: parse error: premature EOF");
    CHECK(error_of([] { json::parse("{} {}", source); }) == "test.json:1:4: parse error: trailing garbage");
}

TEST_CASE("json: columns count characters, not UTF-8 bytes")
{
    CHECK(error_of([] { json::parse("[\"\xc3\xa9\xc3\xa9\", x]", source); }) ==
          "test.json:1:8: lexical error: invalid char in json text.");
}

TEST_CASE("json: invalid UTF-8 is a syntax error")
{
    CHECK(error_of([] { json::parse("[\"\xff\"]", source); }).rfind("test.json:1:", 0) == 0);
}

TEST_CASE("json: nesting is limited")
{
    std::string deep(600, '[');
    CHECK(error_of([&] { json::parse(deep, source); }) == "test.json:1:513: nesting deeper than 512 levels");
}

TEST_CASE("json: typed accessors name the path and the value")
{
    const std::string text = R"({"process": {"user": {"uid": "root"}, "args": ["sh", 7]},
                                 "mounts": [{}, {}, {"destination": false}],
                                 "memory": {"limit": true}})";
    CHECK(error_of([&] {
              with_root(text, [](json::Node root) { return root.required("process").required("user").required("uid").as<uint32_t>(); });
          }) == "test.json: process.user.uid: expected a non-negative integer, got \"root\"");
    CHECK(error_of([&] {
              with_root(text, [](json::Node root) { return root.required("process").required("args").as<std::vector<std::string>>(); });
          }) == "test.json: process.args[1]: expected string, got 7");
    CHECK(error_of([&] {
              with_root(text, [](json::Node root) { return root.required("mounts").items()[2].required("destination").as_string(); });
          }) == "test.json: mounts[2].destination: expected string, got false");
    CHECK(error_of([&] {
              with_root(text, [](json::Node root) { return root.required("memory").required("limit").as<int64_t>(); });
          }) == "test.json: memory.limit: expected integer, got true");
    CHECK(error_of([&] {
              with_root(text, [](json::Node root) { return root.required("process").required("cwd").as_string(); });
          }) == "test.json: process.cwd: missing required field");
    CHECK(error_of([&] {
              with_root(text, [](json::Node root) { return root.required("process").items(); });
          }) == "test.json: process: expected array, got an object");
    CHECK(error_of([] { with_root("[1]", [](json::Node root) { return root.get("a"); }); }) ==
          "test.json: expected object, got an array");
}

TEST_CASE("json: integer ranges follow the schema types")
{
    auto as_u32 = [](const std::string& number) {
        return with_root("{\"n\": " + number + "}", [](json::Node root) { return root.required("n").as<uint32_t>(); });
    };
    CHECK(as_u32("4294967295") == 4294967295u);
    CHECK(as_u32("-0") == 0u);
    CHECK(error_of([&] { as_u32("4294967296"); }) == "test.json: n: expected integer between 0 and 4294967295, got 4294967296");
    CHECK(error_of([&] { as_u32("-1"); }) == "test.json: n: expected a non-negative integer, got -1");
    CHECK(error_of([&] { as_u32("1.5"); }) == "test.json: n: expected a non-negative integer, got 1.5");
    CHECK(error_of([&] { as_u32("1e3"); }) == "test.json: n: expected a non-negative integer, got 1e3");

    auto as_i32 = [](const std::string& number) {
        return with_root("{\"n\": " + number + "}", [](json::Node root) { return root.required("n").as<int32_t>(); });
    };
    CHECK(as_i32("-2147483648") == INT32_MIN);
    CHECK(error_of([&] { as_i32("2147483648"); }) == "test.json: n: expected integer between -2147483648 and 2147483647, got 2147483648");

    auto as_u16 = [](const std::string& number) {
        return with_root("{\"n\": " + number + "}", [](json::Node root) { return root.required("n").as<uint16_t>(); });
    };
    CHECK(as_u16("65535") == 65535);
    CHECK(error_of([&] { as_u16("65536"); }) == "test.json: n: expected integer between 0 and 65535, got 65536");

    auto as_i64 = [](const std::string& number) {
        return with_root("{\"n\": " + number + "}", [](json::Node root) { return root.required("n").as<int64_t>(); });
    };
    CHECK(as_i64("-9223372036854775808") == INT64_MIN);
    CHECK(error_of([&] { as_i64("9223372036854775808"); }) ==
          "test.json: n: expected integer between -9223372036854775808 and 9223372036854775807, got 9223372036854775808");
}

TEST_CASE("json: uint64 values above INT64_MAX are read exactly")
{
    auto as_u64 = [](const std::string& number) {
        return with_root("{\"n\": " + number + "}", [](json::Node root) { return root.required("n").as<uint64_t>(); });
    };
    CHECK(as_u64("18446744073709551615") == UINT64_MAX);
    CHECK(as_u64("9223372036854775808") == 9223372036854775808ull);
    CHECK(error_of([&] { as_u64("18446744073709551616"); }) ==
          "test.json: n: expected integer between 0 and 18446744073709551615, got 18446744073709551616");
}

TEST_CASE("json: null means absent, the last duplicate key wins")
{
    with_root(R"({"a": null, "b": 1, "b": 2})", [](json::Node root) {
        CHECK_FALSE(root.get("a").has_value());
        CHECK_FALSE(root.get("missing").has_value());
        CHECK(root.get("b")->as<int>() == 2);
        // A required field may not be null.
        CHECK(error_of([&] { root.required("a").as_string(); }) == "test.json: a: expected string, got null");
        return 0;
    });
}

TEST_CASE("json: paths quote keys that are not identifiers")
{
    CHECK(json::child_path("linux.sysctl", "net.core.somaxconn") == "linux.sysctl[\"net.core.somaxconn\"]");
    CHECK(json::child_path("", "process") == "process");
    CHECK(json::child_path("linux.resources.rdma", "mlx5_1") == "linux.resources.rdma.mlx5_1");
    CHECK(json::index_path("mounts", 2) == "mounts[2]");
    CHECK(error_of([] {
              with_root(R"({"sysctl": {"net.core.somaxconn": 256}})",
                        [](json::Node root) { return root.required("sysctl").as<std::map<std::string, std::string>>(); });
          }) == "test.json: sysctl[\"net.core.somaxconn\"]: expected string, got 256");
}

TEST_CASE("json: long and binary strings are shown escaped and cut")
{
    json::Value value;
    value.kind = json::Value::Kind::string;
    value.text = std::string("a\0\"b", 4);
    CHECK(json::describe(value) == "\"a\\u0000\\\"b\"");
    value.text = std::string(100, 'x');
    CHECK(json::describe(value) == "\"" + std::string(64, 'x') + "\"...");
}
