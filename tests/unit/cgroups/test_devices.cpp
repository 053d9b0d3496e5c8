#include <catch2/catch.hpp>

#include "cgroups/devices.hpp"
#include "cgroups/devices_v2_ebpf.hpp"
#include "cgroups/layout.hpp"
#include "helpers.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>

using namespace oci::cgroups;
using cgroups_test::error_of;
using V = std::vector<std::string>;

namespace {

oci::spec::DeviceCgroupRule rule(bool allow, std::string type, std::optional<int64_t> major,
                                 std::optional<int64_t> minor, std::string access)
{
    return {allow, std::move(type), major, minor, std::move(access)};
}

const V kDefaultLines = {
    "c *:* m",   "b *:* m",   "c 1:3 rwm", "c 1:8 rwm",   "c 1:7 rwm", "c 5:0 rwm",
    "c 1:5 rwm", "c 1:9 rwm", "c 5:1 rwm", "c 136:* rwm", "c 5:2 rwm", "c 10:200 rwm",
};

V lines(const std::vector<Write>& writes)
{
    V out;
    for (const auto& w : writes)
        out.push_back(w.file + " " + w.value);
    return out;
}

DeviceRule make(bool allow, char type, int64_t major, int64_t minor, const char* access)
{
    DeviceRule r;
    r.allow = allow;
    r.type = type;
    r.major = major;
    r.minor = minor;
    r.access = access;
    return r;
}

} // namespace

TEST_CASE("devices: the default allow list is runc's plus /dev/console")
{
    V got;
    for (const auto& r : default_allowed_devices()) {
        CHECK(r.allow);
        got.push_back(v1_device_line(r));
    }
    CHECK(got == kDefaultLines);
}

TEST_CASE("devices: v1 lines, deny all first, defaults last")
{
    auto rules = container_device_rules({rule(true, "c", 4, std::nullopt, "rw"), rule(false, "b", 8, 0, "w")});
    V got = lines(v1_device_writes(rules));
    V want = {"devices.deny a *:* rwm", "devices.allow c 4:* rw", "devices.deny b 8:0 w"};
    for (const auto& l : kDefaultLines)
        want.push_back("devices.allow " + l);
    CHECK(got == want);
    auto writes = v1_device_writes(rules);
    CHECK(writes[0].controller == "devices");
    CHECK(writes[1].resource == "linux.resources.devices[0]");
    CHECK(writes.back().resource == "linux.resources.devices (default rule c 10:200 rwm)");

    // A first rule for all devices already sets the start: no extra deny.
    auto reset = container_device_rules({rule(false, "a", std::nullopt, std::nullopt, "rwm")});
    CHECK(lines(v1_device_writes(reset)).front() == "devices.deny a *:* rwm");
    CHECK(reset.size() == 1 + kDefaultLines.size());
    auto allow_all = container_device_rules({rule(true, "", std::nullopt, std::nullopt, "rwm")});
    CHECK(lines(v1_device_writes(allow_all)).front() == "devices.allow a *:* rwm");

    // No rules at all: deny all but the defaults (runc), not allow all.
    auto none = container_device_rules({});
    CHECK(lines(v1_device_writes(none)).front() == "devices.deny a *:* rwm");
    CHECK(none.size() == 1 + kDefaultLines.size());

    CHECK(error_of([] { container_device_rules({rule(true, "c", 1, 3, "")}); }) ==
          "linux.resources.devices[0].access: must name at least one of \"rwm\"");
}

TEST_CASE("devices: eBPF program for the default policy")
{
    auto prog = device_filter_program(container_device_rules({}));
    // prologue 6; "c/b *:* m" 6 each; nine x:y rwm rules 5 each; 136:* 4;
    // then the deny-all rule (2), which ends the program.
    CHECK(prog.size() == 6 + 12 + 45 + 4 + 2);
    CHECK(prog[0].code == (BPF_LDX | BPF_W | BPF_MEM));
    CHECK(prog[0].dst_reg == BPF_REG_2);
    CHECK(prog[0].src_reg == BPF_REG_1);
    CHECK(prog[0].off == 0);
    CHECK(prog[5].off == 8);   // minor
    CHECK(prog[prog.size() - 2].code == (BPF_ALU64 | BPF_MOV | BPF_K));
    CHECK(prog[prog.size() - 2].imm == 0);
    CHECK(prog.back().code == (BPF_JMP | BPF_EXIT));
    // The last rule (tun, 10:200) is checked first.
    CHECK(prog[6].code == (BPF_JMP | BPF_JNE | BPF_K));
    CHECK(prog[6].imm == BPF_DEVCG_DEV_CHAR);
    CHECK(prog[6].off == 4);                // past major, minor, r0 = 1, exit
    CHECK(prog[7].imm == 10);
    CHECK(prog[8].imm == 200);
    CHECK(prog[9].imm == 1);                // allow
}

TEST_CASE("devices: eBPF blocks for access checks, and default deny")
{
    auto prog = device_filter_program({make(true, 'c', 1, 3, "r"), make(false, 'b', -1, -1, "w")});
    // No rule covers everything: the program ends with "deny".
    REQUIRE(prog.size() == 6 + (1 + 3 + 2) + (1 + 3 + 1 + 1 + 2) + 2);
    // Deny b *:* w (checked first): type, then "any of w requested".
    CHECK(prog[6].imm == BPF_DEVCG_DEV_BLOCK);
    CHECK(prog[6].off == 5);
    CHECK(prog[8].imm == BPF_DEVCG_ACC_WRITE);
    CHECK(prog[9].code == (BPF_JMP | BPF_JEQ | BPF_K));
    CHECK(prog[9].off == 2);
    CHECK(prog[10].imm == 0);
    // Allow c 1:3 r: "all requested are r" compares registers.
    CHECK(prog[15].code == (BPF_JMP | BPF_JNE | BPF_X));
    CHECK(prog[15].off == 4);
    CHECK(prog[18].imm == 1);
    CHECK(prog.back().code == (BPF_JMP | BPF_EXIT));

    // An allow-all rule last makes everything before it unreachable.
    auto short_prog = device_filter_program({make(false, 'c', 1, 3, "rwm"), make(true, 'a', -1, -1, "rwm")});
    CHECK(short_prog.size() == 6 + 2);
    CHECK(short_prog[6].imm == 1);
}

namespace {

// A cgroup of our own below a cgroup2 mount, removed at scope exit.
struct TempCgroup2 {
    std::string dir;
    explicit TempCgroup2(const std::string& mount)
    {
        dir = mount + "/ocirun-unit-" + std::to_string(::getpid());
        if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST)
            throw oci::Error("mkdir " + dir + ": " + std::strerror(errno));
    }
    ~TempCgroup2()
    {
        for (int i = 0; i < 100 && ::rmdir(dir.c_str()) < 0 && errno == EBUSY; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
};

// Forks a child that moves itself into the cgroup and reports by exit code:
// 0 when /dev/null opens for reading and /dev/zero is refused with EPERM.
int probe(const std::string& dir)
{
    pid_t pid = ::fork();
    if (pid == 0) {
        int procs = ::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
        if (procs < 0 || ::write(procs, "0", 1) != 1)
            ::_exit(10);
        int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null_fd < 0)
            ::_exit(11);
        int zero_fd = ::open("/dev/zero", O_RDONLY | O_CLOEXEC);
        if (zero_fd >= 0)
            ::_exit(12);
        ::_exit(errno == EPERM ? 0 : 13);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace

TEST_CASE("devices: the eBPF filter denies /dev/zero and allows /dev/null in a real cgroup2")
{
    if (::geteuid() != 0) {
        WARN("SKIP: needs root to load and attach a BPF_PROG_TYPE_CGROUP_DEVICE program");
        return;
    }
    Layout layout;
    try {
        layout = detect_layout();
    } catch (const oci::Error& e) {
        WARN(std::string("SKIP: ") + e.what());
        return;
    }
    if (!layout.unified) {
        WARN("SKIP: no cgroup2 hierarchy on this host");
        return;
    }
    std::string mount = "/sys/fs/cgroup" + (layout.unified->dir.empty() ? "" : "/" + layout.unified->dir);
    TempCgroup2 cg(mount);
    int fd = ::open(cg.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(fd >= 0);

    // The deny-by-default rules and /dev/null only (not the runtime's defaults,
    // which allow /dev/zero).
    std::vector<DeviceRule> rules = {make(false, 'a', -1, -1, "rwm"), make(true, 'c', 1, 3, "rwm")};
    apply_device_rules_v2(fd, rules);
    CHECK(attached_device_programs(fd).size() == 1);
    CHECK(probe(cg.dir) == 0);

    // An update replaces the program instead of stacking another one.
    rules.push_back(make(true, 'c', 1, 9, "r"));
    apply_device_rules_v2(fd, rules);
    CHECK(attached_device_programs(fd).size() == 1);
    CHECK(probe(cg.dir) == 0);

    // And allowing /dev/zero makes the probe see it open.
    rules.push_back(make(true, 'c', 1, 5, "r"));
    apply_device_rules_v2(fd, rules);
    CHECK(probe(cg.dir) == 12);
    ::close(fd);
}
