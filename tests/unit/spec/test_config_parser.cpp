// parse_config / load_config / parse_process / parse_resources against the
// runtime-spec's own good and bad documents, our example bundles, and the
// error messages users see.
#include "helpers.hpp"

#include <oci/spec.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

using namespace oci::spec;
using spec_test::error_of;
using spec_test::read_text;

namespace fs = std::filesystem;

TEST_CASE("parse_config: every good schema document parses")
{
    int count = 0;
    for (const auto& entry : fs::directory_iterator(spec_test::schema_test_dir("good"))) {
        INFO(entry.path().string());
        CHECK_NOTHROW(parse_config(read_text(entry.path()), entry.path().filename()));
        ++count;
    }
    CHECK(count >= 9);
}

TEST_CASE("parse_config: every Linux-relevant bad schema document is rejected")
{
    // freebsd-vnet-disable.json is wrong only in its `freebsd` object, which
    // a Linux runtime ignores like any other platform's.
    const std::set<std::string> not_for_linux = {"freebsd-vnet-disable.json"};
    int count = 0;
    for (const auto& entry : fs::directory_iterator(spec_test::schema_test_dir("bad"))) {
        std::string name = entry.path().filename();
        if (not_for_linux.count(name))
            continue;
        INFO(name);
        CHECK_THROWS_AS(parse_config(read_text(entry.path()), name), oci::Error);
        ++count;
    }
    CHECK(count == 4);
}

TEST_CASE("parse_config: the bad schema documents fail for the right reason")
{
    auto error_for = [](const std::string& name) {
        std::string path = spec_test::schema_test_dir("bad") + "/" + name;
        return error_of([&] { parse_config(read_text(path), name); });
    };
    CHECK(error_for("invalid-json.json") == "invalid-json.json:1:2: parse error: invalid object key (must be a string)");
    CHECK(error_for("linux-hugepage.json") ==
          "linux-hugepage.json: linux.resources.hugepageLimits[0].pageSize: expected a size like \"2MB\" or \"1GB\", got \"64kB\"");
    CHECK(error_for("linux-netdevice.json") == "linux-netdevice.json: linux.netDevices.eth0.name: expected string, got 23");
    CHECK(error_for("linux-rdma.json") ==
          "linux-rdma.json: linux.resources.rdma.mlx5_1.hcaHandles: expected a non-negative integer, got \"not a uint32\"");
}

TEST_CASE("parse_config: the example bundles in specs/ parse")
{
    for (const char* name : {"default", "rootless", "every-field"}) {
        std::string dir = std::string(OCIRUN_SOURCE_ROOT) + "/specs/" + name;
        INFO(dir);
        CHECK_NOTHROW(load_config(dir));
    }
}

TEST_CASE("parse_config: spec-example.json is read field by field")
{
    Config c = parse_config(read_text(spec_test::schema_test_dir("good") + "/spec-example.json"));
    CHECK(c.oci_version == "0.5.0-dev");
    CHECK(c.root == Root{"rootfs", true});
    REQUIRE(c.process);
    CHECK(c.process->user.additional_gids == std::vector<uint32_t>{5, 6});
    CHECK(c.process->capabilities->ambient == std::vector<std::string>{"CAP_NET_BIND_SERVICE"});
    CHECK(c.process->rlimits[0] == Rlimit{"RLIMIT_CORE", 1024, 1024});
    CHECK(c.mounts.size() == 7);
    CHECK(c.mounts[1].options[3] == "size=65536k");
    CHECK(c.hooks.poststart[0].timeout == 5);
    CHECK(c.hooks.prestart[1].args.empty());
    REQUIRE(c.linux_config);
    const LinuxConfig& lc = *c.linux_config;
    CHECK(lc.devices[0] == Device{"c", "/dev/fuse", 10, 229, 438, 0, 0});
    CHECK(lc.uid_mappings[0] == IdMapping{0, 1000, 32000});
    CHECK(lc.sysctl.at("net.core.somaxconn") == "256");
    CHECK(lc.resources->hugepage_limits[0].limit == 9223372036854772000ull);
    CHECK(lc.resources->memory->kernel == -1);
    CHECK(lc.resources->block_io->weight_device[1].leaf_weight == std::nullopt);
    CHECK(lc.resources->devices[0].major == std::nullopt);
    CHECK(lc.resources->devices[1].major == 10);
    CHECK(lc.time_offsets->monotonic->secs == 172800);
    CHECK(lc.namespaces.size() == 8);
    CHECK(lc.namespaces[7].type == NamespaceType::time);
    CHECK(lc.seccomp->syscalls[0].names == std::vector<std::string>{"getcwd", "chmod"});
    CHECK(c.annotations.at("com.example.key1") == "value1");
}

TEST_CASE("parse_config: unknown properties are ignored")
{
    Config c = parse_config(R"({"ociVersion": "1.3.0", "root": {"path": "rootfs", "future": [1, {"x": null}]},
                                "somethingNew": {"deep": true}, "windows": {"layerFolders": 5},
                                "linux": {"resources": {"oomScoreAdj": 100}, "newThing": "x"}})");
    CHECK(c.root.path == "rootfs");
    CHECK(c.linux_config->resources == Resources{});
}

TEST_CASE("parse_config: rlimits up to UINT64_MAX (RLIM_INFINITY) survive a round trip")
{
    Config c = parse_config(R"({"ociVersion": "1.3.0", "root": {"path": "r"},
        "process": {"cwd": "/", "args": ["sh"],
                    "rlimits": [{"type": "RLIMIT_MEMLOCK", "soft": 18446744073709551615, "hard": 18446744073709551615}]}})");
    CHECK(c.process->rlimits[0].soft == UINT64_MAX);
    std::string text = to_json(c, false);
    CHECK(text.find("\"soft\":18446744073709551615") != std::string::npos);
    CHECK(parse_config(text) == c);
}

TEST_CASE("parse_config: type errors name the JSON path")
{
    CHECK(error_of([] { parse_config(R"({"ociVersion": "1", "root": {"path": "r"},
        "process": {"cwd": "/", "args": ["sh"], "user": {"uid": "root"}}})"); }) ==
          "config.json: process.user.uid: expected a non-negative integer, got \"root\"");
    CHECK(error_of([] { parse_config(R"({"ociVersion": "1", "root": {"path": "r"},
        "linux": {"resources": {"memory": {"limit": true}}}})"); }) ==
          "config.json: linux.resources.memory.limit: expected integer, got true");
    CHECK(error_of([] { parse_config(R"({"ociVersion": "1", "root": {"path": "r"},
        "mounts": [{"destination": "/a"}, {"destination": "/b"}, {"destination": 3}]})"); }) ==
          "config.json: mounts[2].destination: expected string, got 3");
    CHECK(error_of([] { parse_config(R"({"ociVersion": "1", "root": {"path": "r"},
        "linux": {"devices": [{"type": "c", "path": "/dev/x", "fileMode": 512}]}})"); }) ==
          "config.json: linux.devices[0].fileMode: expected integer between 0 and 511, got 512");
    CHECK(error_of([] { parse_config(R"({"ociVersion": "1", "root": {"path": "r"},
        "linux": {"namespaces": [{"type": "pid"}, {"type": "net"}]}})"); }) ==
          "config.json: linux.namespaces[1].type: unknown namespace type \"net\"");
    CHECK(error_of([] { parse_config(R"({"root": {"path": "r"}})"); }) == "config.json: ociVersion: missing required field");
    CHECK(error_of([] { parse_config(R"({"ociVersion": "1", "root": {"path": "r"}, "process": {"args": ["sh"]}})"); }) ==
          "config.json: process.cwd: missing required field");
    CHECK(error_of([] { parse_config(R"({"ociVersion": "1", "root": {"path": "r"},
        "process": {"cwd": "/", "args": ["sh"], "rlimits": [{"type": "RLIMIT_CORE", "hard": 1}]}})"); }) ==
          "config.json: process.rlimits[0].soft: missing required field");
    CHECK(error_of([] { parse_config("[]"); }) == "config.json: expected object, got an array");
    CHECK(error_of([] { parse_config("{\n  \"ociVersion\": \"1\",\n  \"root\": {\"path\": \"r\",}\n}"); }) ==
          "config.json:3:24: parse error: invalid object key (must be a string)");
}

TEST_CASE("parse_config: the source name is used in messages")
{
    CHECK(error_of([] { parse_config("{", "bundle/config.json"); }) == "bundle/config.json:1:1: parse error: premature EOF");
}

TEST_CASE("load_config: reads <bundle>/config.json and names the file on errors")
{
    fs::path dir = fs::temp_directory_path() / "ocirun-spec-test-bundle";
    fs::remove_all(dir);
    CHECK(error_of([&] { load_config(dir.string()); }) == "open " + (dir / "config.json").string() + ": no such file or directory");
    fs::create_directories(dir);
    {
        std::ofstream out(dir / "config.json");
        out << to_json(default_config());
    }
    CHECK(load_config(dir.string()) == default_config());
    CHECK(load_config(dir.string() + "/") == default_config());
    {
        std::ofstream out(dir / "config.json");
        out << "{\"ociVersion\": 1}";
    }
    CHECK(error_of([&] { load_config(dir.string()); }) == (dir / "config.json").string() + ": ociVersion: expected string, got 1");
    fs::remove_all(dir);
}

TEST_CASE("parse_process: errors name paths relative to the object")
{
    Process p = parse_process(R"({"cwd": "/work", "args": ["ls", "-l"], "user": {"uid": 1000, "gid": 1000}, "terminal": true})");
    CHECK(p.args == std::vector<std::string>{"ls", "-l"});
    CHECK(p.user.uid == 1000);
    CHECK(p.terminal);
    CHECK(error_of([] { parse_process(R"({"cwd": "/", "args": ["sh"], "user": {"gid": -1}})"); }) ==
          "process.json: user.gid: expected a non-negative integer, got -1");
    CHECK(error_of([] { parse_process(R"({"cwd": "relative", "args": ["sh"]})"); }) ==
          "process.json: cwd: expected an absolute path, got \"relative\"");
    CHECK(error_of([] { parse_process(R"({"cwd": "/", "args": []})"); }) ==
          "process.json: args: must name the program to run (got no arguments)");
}

TEST_CASE("parse_resources: reads an update document")
{
    Resources r = parse_resources(R"({"memory": {"limit": 1073741824, "swap": -1}, "pids": {"limit": 100},
                                      "cpu": {"shares": 512, "cpus": "0-1"}, "unified": {"memory.high": "max"}})");
    CHECK(r.memory->limit == 1073741824);
    CHECK(r.memory->swap == -1);
    CHECK(r.memory->reservation == std::nullopt);
    CHECK(r.pids->limit == 100);
    CHECK(r.cpu->cpus == "0-1");
    CHECK(r.unified.at("memory.high") == "max");
    CHECK(error_of([] { parse_resources(R"({"pids": {}})"); }) == "resources.json: pids.limit: missing required field");
    CHECK(error_of([] { parse_resources(R"({"blockIO": {"weight": 70000}})"); }) ==
          "resources.json: blockIO.weight: expected integer between 0 and 65535, got 70000");
    CHECK(error_of([] { parse_resources(R"({"hugepageLimits": [{"pageSize": "2mb", "limit": 1}]})"); }) ==
          "resources.json: hugepageLimits[0].pageSize: expected a size like \"2MB\" or \"1GB\", got \"2mb\"");
}
