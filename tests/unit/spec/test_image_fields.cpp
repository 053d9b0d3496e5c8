// The fields an image can set through an engine (Entrypoint/Cmd -> process.args, Env ->
// process.env, WorkingDir -> process.cwd, User -> process.user, volumes -> mounts[].destination)
// are checked before anything is created, each error naming its JSON path.
#include "helpers.hpp"

#include <spec/validate.hpp>

#include <oci/runtime.hpp>
#include <oci/spec.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace oci::spec;
using Catch::Matchers::Contains;
using spec_test::error_of;

namespace {

// The default config as JSON text with one process field replaced by raw JSON.
std::string with_process_field(const std::string& key, const std::string& raw)
{
    return R"({"ociVersion": "1.3.0", "root": {"path": "rootfs"}, "process": {"cwd": "/", "args": ["sh"], )" +
           std::string("\"") + key + "\": " + raw + "}}";
}

std::string problem_in(const Config& c)
{
    return error_of([&] { validate(c); });
}

} // namespace

TEST_CASE("image fields: args[0] names a program, no NUL in args or env")
{
    Config c = default_config();
    c.process->args = {""};
    CHECK(problem_in(c) == "config.json: process.args[0]: the program name must not be empty");
    c.process->args = {"sh", std::string("-c\0rm", 5)};
    CHECK(problem_in(c) == "config.json: process.args[1]: must not contain a NUL byte");
    c = default_config();
    c.process->env.push_back(std::string("A=b\0LD_PRELOAD=x", 16));
    CHECK_THAT(problem_in(c), Contains("process.env[") && Contains("must not contain a NUL byte"));
    CHECK_THAT(error_of([] { parse_config(with_process_field("args", R"(["/bin/sh\u0000x"])")); }),
               Contains("process.args[0]: must not contain a NUL byte"));
    CHECK_THAT(error_of([] { parse_config(with_process_field("args", R"("sh")")); }), Contains("process.args"));
}

TEST_CASE("image fields: cwd is absolute")
{
    CHECK_THAT(error_of([] {
                   parse_config(R"({"ociVersion": "1.3.0", "root": {"path": "r"}, "process": {"cwd": "work", "args": ["sh"]}})");
               }),
               Contains("process.cwd: expected an absolute path"));
    // /proc/self/fd/N passes here: the runtime resolves cwd inside the rootfs (openat2
    // RESOLVE_IN_ROOT) and checks getcwd after the chdir.
    Config c = default_config();
    c.process->cwd = "/proc/self/fd/7";
    CHECK_FALSE(find_problem(c));
}

TEST_CASE("image fields: user ids are numbers")
{
    CHECK_THAT(error_of([] { parse_config(with_process_field("user", R"({"uid": "0", "gid": 0})")); }),
               Contains("process.user.uid"));
    CHECK_THAT(error_of([] { parse_config(with_process_field("user", R"({"uid": -1, "gid": 0})")); }),
               Contains("process.user.uid"));
    CHECK_THAT(error_of([] { parse_config(with_process_field("user", R"({"uid": 0, "gid": 4294967296})")); }),
               Contains("process.user.gid"));
    CHECK_THAT(error_of([] { parse_config(with_process_field("user", R"({"uid": 0, "gid": 0, "additionalGids": ["1"]})")); }),
               Contains("process.user.additionalGids"));
}

TEST_CASE("image fields: mount destinations are absolute, without NUL")
{
    Config c = default_config();
    c.mounts[0].destination = "../../etc";
    CHECK(problem_in(c) == "config.json: mounts[0].destination: expected an absolute path, got \"../../etc\"");
    c.mounts[0].destination = std::string("/data\0/etc", 10);
    CHECK(problem_in(c) == "config.json: mounts[0].destination: must not contain a NUL byte");
}

TEST_CASE("image fields: container ids")
{
    for (const char* ok : {"a", "A-z_0.9+", "..a", "a.."})
        CHECK_NOTHROW(oci::validate_container_id(ok));
    for (const char* bad : {"", ".", "..", "a/b", "../x", "/abs", "a b", "a\tb", "a:b", "a*", "a\\b"})
        CHECK_THROWS_AS(oci::validate_container_id(bad), oci::Error);
    CHECK_THROWS_AS(oci::validate_container_id(std::string(4096, 'a')), oci::Error);
    CHECK_THROWS_AS(oci::validate_container_id(std::string("a\0b", 3)), oci::Error);
}
