// to_json: output parses back to an equal Config, absent and empty fields
// are left out, and nothing is lost on the way (uint64, NUL bytes, unicode).
#include "helpers.hpp"

#include <oci/spec.hpp>

#include <catch2/catch.hpp>

#include <filesystem>

using namespace oci::spec;
using spec_test::read_text;

namespace {

void check_round_trip(const Config& config)
{
    CHECK(parse_config(to_json(config, true)) == config);
    CHECK(parse_config(to_json(config, false)) == config);
}

} // namespace

TEST_CASE("to_json: default_config round-trips")
{
    check_round_trip(default_config());
    check_round_trip(default_config(true, 1000, 1000));
}

TEST_CASE("to_json: spec-example.json round-trips")
{
    check_round_trip(parse_config(read_text(spec_test::schema_test_dir("good") + "/spec-example.json")));
}

TEST_CASE("to_json: every good schema document round-trips")
{
    for (const auto& entry : std::filesystem::directory_iterator(spec_test::schema_test_dir("good"))) {
        INFO(entry.path().string());
        check_round_trip(parse_config(read_text(entry.path())));
    }
}

TEST_CASE("to_json: specs/every-field round-trips and sets every optional part")
{
    Config c = load_config(std::string(OCIRUN_SOURCE_ROOT) + "/specs/every-field");
    check_round_trip(c);
    REQUIRE(c.process);
    const Process& p = *c.process;
    CHECK(p.console_size);
    CHECK(p.user.umask);
    CHECK(p.capabilities->ambient);
    CHECK(p.oom_score_adj);
    CHECK(p.io_priority);
    CHECK(p.scheduler);
    CHECK(p.exec_cpu_affinity);
    REQUIRE(c.linux_config);
    const LinuxConfig& lc = *c.linux_config;
    CHECK(lc.time_offsets->boottime);
    CHECK(lc.time_offsets->monotonic);
    CHECK(lc.seccomp->default_errno_ret);
    CHECK(lc.personality);
    CHECK(lc.intel_rdt);
    CHECK(lc.memory_policy);
    CHECK_FALSE(lc.net_devices.empty());
    const Resources& r = *lc.resources;
    CHECK(r.memory->check_before_update);
    CHECK(r.cpu->idle);
    CHECK(r.pids);
    CHECK_FALSE(r.block_io->throttle_write_iops_device.empty());
    CHECK(r.network->class_id);
    CHECK(r.rdma.begin()->second.hca_handles);
    CHECK_FALSE(r.unified.empty());
    CHECK_FALSE(c.hooks.poststop.empty());
    CHECK_FALSE(c.mounts.back().uid_mappings.empty());
}

TEST_CASE("to_json: absent and empty optional fields are left out")
{
    Config c;
    c.oci_version = "1.3.0";
    c.root.path = "rootfs";
    CHECK(to_json(c, false) == R"({"ociVersion":"1.3.0","root":{"path":"rootfs"}})");

    c.process = Process{};
    c.process->cwd = "/";
    c.process->args = {"sh"};
    c.linux_config = LinuxConfig{};
    CHECK(to_json(c, false) ==
          R"({"ociVersion":"1.3.0","root":{"path":"rootfs"},"process":{"user":{"uid":0,"gid":0},"args":["sh"],"cwd":"/"},"linux":{}})");
    check_round_trip(c);
}

TEST_CASE("to_json: an empty capability set differs from an absent one")
{
    Config c = default_config();
    c.process->capabilities->ambient = std::vector<std::string>{};
    std::string text = to_json(c, false);
    CHECK(text.find("\"ambient\":[]") != std::string::npos);
    CHECK(text.find("inheritable") == std::string::npos);
    check_round_trip(c);
}

TEST_CASE("to_json: strings keep NUL bytes, quotes and unicode; slashes stay plain")
{
    Config c = default_config();
    c.annotations["weird"] = std::string("a\0b\"c\\d\n\xc3\xa9", 10);
    c.hostname = "h\xe2\x82\xac";
    std::string text = to_json(c, false);
    CHECK(text.find("\"/proc\"") != std::string::npos);
    check_round_trip(c);
}

TEST_CASE("to_json: extreme integers survive")
{
    Config c = default_config();
    c.process->rlimits = {{"RLIMIT_CORE", UINT64_MAX, UINT64_MAX}};
    c.process->oom_score_adj = -1000;
    c.process->scheduler = Scheduler{"SCHED_OTHER", -20, 0, {}, 0, 0, 0};
    MemoryResources memory;
    memory.limit = INT64_MIN;
    memory.swap = INT64_MAX;
    memory.swappiness = UINT64_MAX;
    c.linux_config->resources->memory = memory;
    c.linux_config->time_offsets = TimeOffsets{TimeOffset{INT64_MIN, UINT32_MAX}, std::nullopt};
    check_round_trip(c);
}

TEST_CASE("to_json: pretty output is indented and ends with a newline")
{
    std::string text = to_json(default_config(), true);
    CHECK(text.rfind("{\n    \"ociVersion\": \"1.3.0\",\n", 0) == 0);
    CHECK(text.back() == '\n');
    CHECK(to_json(default_config(), false).find('\n') == std::string::npos);
}
