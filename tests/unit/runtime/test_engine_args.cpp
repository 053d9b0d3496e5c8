// The command lines Podman/conmon, the containerd shim and Docker pass to a
// runtime (recorded from the engines), parsed with ocirun's own flag tables.
#include <catch2/catch.hpp>

#include "commands.hpp"

#include <unistd.h>

#include <cstdlib>
#include <sstream>

using ocirun::ParsedArgs;
using ocirun::parse_args;

namespace {

struct Parsed {
    ParsedArgs global;
    std::string command;
    ParsedArgs args;
};

std::vector<std::string> words(const std::string& line)
{
    std::istringstream in(line);
    std::vector<std::string> out;
    for (std::string w; in >> w;)
        out.push_back(w);
    return out;
}

std::vector<ocirun::FlagSpec> specs_of(const std::string& command)
{
    if (command == "create")
        return ocirun::create_flag_specs();
    if (command == "exec")
        return ocirun::exec_flag_specs();
    if (command == "kill")
        return ocirun::kill_flag_specs();
    if (command == "delete")
        return ocirun::delete_flag_specs();
    if (command == "ps")
        return ocirun::ps_flag_specs();
    if (command == "update")
        return ocirun::update_flag_specs();
    return {};   // start, pause, resume, state take none
}

// As main does: the globals up to the command, then the command's flags.
Parsed parse_line(const std::string& line)
{
    Parsed p;
    p.global = parse_args(words(line), ocirun::global_flag_specs(), true);
    REQUIRE_FALSE(p.global.positional.empty());
    p.command = p.global.positional[0];
    std::vector<std::string> rest(p.global.positional.begin() + 1, p.global.positional.end());
    p.args = parse_args(rest, specs_of(p.command), p.command == "exec" || p.command == "ps");
    return p;
}

} // namespace

TEST_CASE("engines: conmon's create and exec for Podman")
{
    auto c = parse_line("--log-format=json --log /r/userdata/oci-log create --bundle /b --pid-file /r/pidfile "
                        "--console-socket /r/tty.sock --preserve-fds 2 --no-pivot --no-new-keyring ID");
    CHECK(c.global.value_or("log-format", "") == "json");
    CHECK(c.global.value_or("log", "") == "/r/userdata/oci-log");
    CHECK(c.command == "create");
    auto o = ocirun::create_options_from(c.args);
    CHECK(o.bundle == "/b");
    CHECK(o.pid_file == "/r/pidfile");
    CHECK(o.console_socket == "/r/tty.sock");
    CHECK(o.preserve_fds == 2);
    CHECK(o.no_pivot);
    CHECK(o.no_new_keyring);
    CHECK(c.args.positional == std::vector<std::string>{"ID"});

    char process_file[] = "/tmp/ocirun-unit-process.XXXXXX";
    int fd = ::mkstemp(process_file);
    REQUIRE(fd >= 0);
    std::string json = R"({"args": ["sh"], "cwd": "/", "terminal": true})";
    REQUIRE(::write(fd, json.data(), json.size()) == static_cast<ssize_t>(json.size()));
    ::close(fd);
    auto e = parse_line("--log-format=json --log /r/x/oci-log exec --pid-file /r/x/exec_pid --process " +
                        std::string(process_file) + " --detach --tty --console-socket /r/x/s --preserve-fds 1 ID");
    auto eo = ocirun::exec_options_from(e.args);
    ::unlink(process_file);
    REQUIRE(eo.process);
    CHECK(eo.process->args == std::vector<std::string>{"sh"});
    CHECK(eo.detach);
    CHECK(eo.tty);
    CHECK(eo.pid_file == "/r/x/exec_pid");
    CHECK(eo.console_socket == "/r/x/s");
    CHECK(eo.preserve_fds == 1);
    CHECK(e.args.positional == std::vector<std::string>{"ID"});
}

TEST_CASE("engines: Podman's own calls")
{
    CHECK(parse_line("start ID").args.positional == std::vector<std::string>{"ID"});
    auto k = parse_line("kill ID 15");
    CHECK(k.args.positional == std::vector<std::string>{"ID", "15"});
    CHECK_FALSE(k.args.flag("all"));
    auto ka = parse_line("kill --all ID 9");
    CHECK(ka.args.flag("all"));
    CHECK(ka.args.positional == std::vector<std::string>{"ID", "9"});
    auto d = parse_line("delete --force ID");
    CHECK(d.args.flag("force"));
    auto u = parse_line("update --resources=/var/tmp/podman123 ID");
    CHECK(u.args.value_or("resources", "") == "/var/tmp/podman123");
    CHECK(u.args.positional == std::vector<std::string>{"ID"});
    CHECK(parse_line("pause ID").command == "pause");
    CHECK(parse_line("resume ID").command == "resume");
}

TEST_CASE("engines: global flags in Podman's and the shim's spellings")
{
    auto shim = parse_line("--root /run/containerd/runc/default --log /s/log.json --log-format json create "
                           "--bundle /s --pid-file /s/init.pid ID");
    CHECK(shim.global.value_or("log-format", "") == "json");
    CHECK(ocirun::runtime_options_from(shim.global, "/run/ocirun").root == "/run/containerd/runc/default");

    auto flags = parse_line("--systemd-cgroup=false --debug --log-format=json delete --force ID");
    CHECK(flags.global.flag("debug"));
    CHECK_FALSE(ocirun::runtime_options_from(flags.global, "/x").systemd_cgroup);

    auto u = parse_line("--root /r update --resources - ID");
    CHECK(u.args.value_or("resources", "") == "-");
    auto ps = parse_line("--root /r ps --format json ID");
    CHECK(ps.args.value_or("format", "") == "json");
    CHECK(ps.args.positional == std::vector<std::string>{"ID"});
}

TEST_CASE("engines: --cgroup-manager as crun takes it")
{
    auto disabled = parse_line("--log-format=json --log /l --cgroup-manager disabled create --bundle /b ID");
    auto o = ocirun::runtime_options_from(disabled.global, "/run/ocirun");
    CHECK(o.cgroups_disabled);
    CHECK_FALSE(o.systemd_cgroup);
    CHECK(o.root == "/run/ocirun");

    CHECK(ocirun::runtime_options_from(parse_line("--cgroup-manager=systemd start ID").global, "/r").systemd_cgroup);
    auto fs = ocirun::runtime_options_from(parse_line("--cgroup-manager cgroupfs start ID").global, "/r");
    CHECK_FALSE(fs.systemd_cgroup);
    CHECK_FALSE(fs.cgroups_disabled);

    CHECK_THROWS_WITH(ocirun::runtime_options_from(parse_line("--cgroup-manager nope start ID").global, "/r"),
                      Catch::Contains("invalid --cgroup-manager \"nope\""));
    CHECK_THROWS_AS(
        ocirun::runtime_options_from(parse_line("--systemd-cgroup --cgroup-manager disabled start ID").global, "/r"),
        ocirun::UsageError);
}

TEST_CASE("engines: the default state root; an empty XDG_RUNTIME_DIR is unset")
{
    CHECK(ocirun::default_root(0, "/run/user/0") == "/run/ocirun");
    CHECK(ocirun::default_root(1000, "/run/user/1000") == "/run/user/1000/ocirun");
    CHECK(ocirun::default_root(1000, "") == "/run/user/1000/ocirun");
    CHECK(ocirun::default_root(1000, nullptr) == "/run/user/1000/ocirun");
    CHECK(ocirun::default_root(1000, "/xdg") == "/xdg/ocirun");
    // Root of a user namespace (rootless Podman) keeps its state as its user would.
    CHECK(ocirun::default_root(0, "/run/user/1000", true) == "/run/user/1000/ocirun");
    CHECK(ocirun::default_root(0, "", true) == "/run/ocirun");
}
