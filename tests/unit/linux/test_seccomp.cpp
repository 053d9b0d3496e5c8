// seccomp: profiles compiled with compile_seccomp and loaded for real into a
// forked child, which tries syscalls through syscall(2) (no libc wrapper
// picking another syscall) and reports through its exit code only, since
// under a deny-by-default filter it may not be able to do anything else.
#include <catch2/catch.hpp>

#include "linux/seccomp.hpp"
#include "linux/seccomp_enosys.hpp"
#include "linux/seccomp_notify.hpp"
#include "util/unique_fd.hpp"

#include <oci/error.hpp>
#include <oci/log.hpp>
#include <oci/spec.hpp>

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <seccomp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using oci::spec::Seccomp;
using oci::spec::SeccompArg;
using oci::spec::SeccompSyscall;
using oci::sys::SeccompProgram;
using oci::sys::compile_seccomp;

// Exit codes of the child besides the body's own.
constexpr int exit_load_failed = 100;
constexpr int exit_nnp_failed = 101;

// The child's exit under a filter: exit_group itself, not _exit, which the
// sanitizers intercept to run checks whose syscalls the filter may deny (the
// child would then exit 1 whatever the body returned). Not declared
// [[noreturn]] either: ASan unpoisons the stacks before such a call, with
// syscalls of its own.
void exit_child(int code)
{
    for (;;)
        ::syscall(SYS_exit_group, code);
}

// Whether a raw syscall failed with `err` / succeeded.
bool fails_with(long rc, int err) { return rc == -1 && errno == err; }
bool succeeds(long rc) { return rc != -1; }

// Forks; the child sets no_new_privs, loads `program` and exits with what
// body returns (0: every expectation held, else the number of the first
// failed step). Returns the exit code, or 128 + signal when killed.
int run_under(const SeccompProgram& program, int (*body)())
{
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            exit_child(exit_nnp_failed);
        try {
            oci::sys::load_seccomp(program);
        } catch (...) {
            exit_child(exit_load_failed);
        }
        exit_child(body());
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

SeccompSyscall rule(std::vector<std::string> names, std::string action,
                    std::optional<uint32_t> errno_ret = std::nullopt, std::vector<SeccompArg> args = {})
{
    SeccompSyscall s;
    s.names = std::move(names);
    s.action = std::move(action);
    s.errno_ret = errno_ret;
    s.args = std::move(args);
    return s;
}

SeccompArg arg(uint32_t index, std::string op, uint64_t value, uint64_t value_two = 0)
{
    return SeccompArg{index, value, value_two, std::move(op)};
}

std::string error_of(const Seccomp& config)
{
    try {
        compile_seccomp(config);
    } catch (const oci::Error& e) {
        return e.what();
    }
    return "";
}

// The calls a child needs to end: exit_group (and exit, for completeness).
SeccompSyscall exit_rule() { return rule({"exit_group", "exit"}, "SCMP_ACT_ALLOW"); }

std::string read_text(const std::string& path)
{
    std::ifstream in(path);
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// tests/data/seccomp/default-profile.json through the real config parser.
Seccomp default_profile()
{
    std::string profile = read_text(std::string(OCIRUN_SOURCE_ROOT) + "/tests/data/seccomp/default-profile.json");
    std::string config = R"({"ociVersion": "1.3.0", "root": {"path": "rootfs"}, "linux": {"seccomp": )" +
                         profile + "}}";
    auto parsed = oci::spec::parse_config(config, "default-profile.json");
    REQUIRE(parsed.linux_config);
    REQUIRE(parsed.linux_config->seccomp);
    return *parsed.linux_config->seccomp;
}

constexpr uint32_t x32_bit = 0x40000000;

// What run_bpf returns when the program runs past its end (into the filter
// the stub is prepended to).
constexpr uint32_t falls_through = 0xfa11u;

// Runs a stub (loads, jumps, returns only) on a syscall of `arch` numbered nr.
uint32_t run_bpf(const std::vector<struct sock_filter>& program, uint32_t arch, uint32_t nr)
{
    uint32_t acc = 0;
    std::size_t pc = 0;
    while (pc < program.size()) {
        const struct sock_filter& insn = program[pc++];
        switch (insn.code) {
        case BPF_LD | BPF_W | BPF_ABS:
            REQUIRE((insn.k == 0 || insn.k == 4));
            acc = insn.k == 0 ? nr : arch;
            break;
        case BPF_JMP | BPF_JA: pc += insn.k; break;
        case BPF_JMP | BPF_JEQ | BPF_K: pc += acc == insn.k ? insn.jt : insn.jf; break;
        case BPF_JMP | BPF_JGT | BPF_K: pc += acc > insn.k ? insn.jt : insn.jf; break;
        case BPF_JMP | BPF_JSET | BPF_K: pc += (acc & insn.k) ? insn.jt : insn.jf; break;
        case BPF_RET | BPF_K: return insn.k;
        default: FAIL("unexpected BPF instruction " << insn.code);
        }
    }
    REQUIRE(pc == program.size());
    return falls_through;
}

#if defined(__x86_64__)
// An i386 syscall from this 64-bit process (seccomp sees AUDIT_ARCH_I386).
long int80(long nr, long arg0 = 0)
{
    long ret;
    asm volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(arg0) : "memory", "r8", "r9", "r10", "r11");
    return ret;
}

// Whether the kernel takes i386 syscalls (IA32 emulation can be off): asked
// in a child, which a general protection fault would kill.
bool int80_supported()
{
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0)
        exit_child(int80(20 /* i386 getpid */) == ::syscall(SYS_getpid) ? 0 : 1);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Read by the forked children of the default profile test.
bool int80_works = false;
#endif
bool with_compat_arches = false;

} // namespace

TEST_CASE("seccomp: a small profile compiles to a BPF program")
{
    Seccomp config;
    config.default_action = "SCMP_ACT_ALLOW";
    config.syscalls = {rule({"mkdir", "uname"}, "SCMP_ACT_ERRNO", 38)};
    SeccompProgram program = compile_seccomp(config);
    CHECK(program.filter.size() > 4);
    CHECK(program.flags == 0);
    CHECK_FALSE(program.notify);
    // The program starts by loading the architecture (seccomp_data.arch, offset 4).
    CHECK(program.filter[0].code == (BPF_LD | BPF_W | BPF_ABS));
    CHECK(program.filter[0].k == 4);
}

TEST_CASE("seccomp: a loaded filter allows and denies")
{
    Seccomp config;
    config.default_action = "SCMP_ACT_ALLOW";
    config.syscalls = {rule({"mkdir", "uname"}, "SCMP_ACT_ERRNO", 38),
                       rule({"getppid"}, "SCMP_ACT_ERRNO")};   // errnoRet defaults to EPERM
    int code = run_under(compile_seccomp(config), [] {
        struct utsname u;
        if (!succeeds(::syscall(SYS_getpid)))
            return 1;
        if (!fails_with(::syscall(SYS_mkdir, "/nonexistent-ocirun-dir/x", 0700), 38))
            return 2;
        if (!fails_with(::syscall(SYS_uname, &u), 38))
            return 3;
        if (!fails_with(::syscall(SYS_getppid), EPERM))
            return 4;
        if (!succeeds(::syscall(SYS_gettid)))
            return 5;
        return 0;
    });
    CHECK(code == 0);
}

TEST_CASE("seccomp: default action and defaultErrnoRet")
{
    Seccomp config;
    config.default_action = "SCMP_ACT_ERRNO";
    config.default_errno_ret = 13;
    config.syscalls = {exit_rule(), rule({"getpid"}, "SCMP_ACT_ALLOW")};
    CHECK(run_under(compile_seccomp(config), [] {
        if (!succeeds(::syscall(SYS_getpid)))
            return 1;
        if (!fails_with(::syscall(SYS_getppid), EACCES))
            return 2;
        if (!fails_with(::syscall(SYS_gettid), EACCES))
            return 3;
        return 0;
    }) == 0);

    config.default_errno_ret.reset();   // ERRNO without errnoRet: EPERM, as runc
    CHECK(run_under(compile_seccomp(config), [] {
        return fails_with(::syscall(SYS_getppid), EPERM) ? 0 : 1;
    }) == 0);
}

TEST_CASE("seccomp: kill actions end the child with SIGSYS")
{
    Seccomp config;
    config.default_action = "SCMP_ACT_ALLOW";
    for (const char* action : {"SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP"}) {
        CAPTURE(action);
        config.syscalls = {rule({"getppid"}, action)};
        CHECK(run_under(compile_seccomp(config), [] {
            ::syscall(SYS_getppid);
            return 0;
        }) == 128 + SIGSYS);
    }
    // LOG lets the call through.
    config.syscalls = {rule({"getppid"}, "SCMP_ACT_LOG")};
    CHECK(run_under(compile_seccomp(config), [] { return succeeds(::syscall(SYS_getppid)) ? 0 : 1; }) == 0);
}

TEST_CASE("seccomp: argument conditions")
{
    SECTION("EQ: personality only as a query (0xffffffff)")
    {
        Seccomp config;
        config.default_action = "SCMP_ACT_ERRNO";
        config.syscalls = {exit_rule(),
                           rule({"personality"}, "SCMP_ACT_ALLOW", {}, {arg(0, "SCMP_CMP_EQ", 0xffffffff)})};
        CHECK(run_under(compile_seccomp(config), [] {
            if (!succeeds(::syscall(SYS_personality, 0xffffffffUL)))
                return 1;
            if (!fails_with(::syscall(SYS_personality, 0UL), EPERM))
                return 2;
            return 0;
        }) == 0);
    }
    SECTION("MASKED_EQ: value is the mask, valueTwo the expected bits, as runc")
    {
        // (sig & 0xc) == 0x8: signals 8-11 are refused. With the operands the
        // other way round ((sig & 8) == 0xc) nothing would match.
        Seccomp config;
        config.default_action = "SCMP_ACT_ALLOW";
        config.syscalls = {rule({"kill"}, "SCMP_ACT_ERRNO", EACCES, {arg(1, "SCMP_CMP_MASKED_EQ", 0xc, 0x8)})};
        CHECK(run_under(compile_seccomp(config), [] {
            pid_t self = static_cast<pid_t>(::syscall(SYS_getpid));
            if (!succeeds(::syscall(SYS_kill, self, 0)))
                return 1;
            if (!fails_with(::syscall(SYS_kill, self, SIGUSR1), EACCES))   // 10
                return 2;
            if (!fails_with(::syscall(SYS_kill, self, SIGFPE), EACCES))    // 8
                return 3;
            if (!succeeds(::syscall(SYS_kill, self, SIGCONT)))              // 18
                return 4;
            return 0;
        }) == 0);
    }
    SECTION("conditions on different arguments are AND-ed")
    {
        Seccomp config;
        config.default_action = "SCMP_ACT_ALLOW";
        config.syscalls = {rule({"kill"}, "SCMP_ACT_ERRNO", EACCES,
                                {arg(0, "SCMP_CMP_EQ", 0), arg(1, "SCMP_CMP_EQ", SIGCONT)})};
        CHECK(run_under(compile_seccomp(config), [] {
            pid_t self = static_cast<pid_t>(::syscall(SYS_getpid));
            if (!fails_with(::syscall(SYS_kill, 0, SIGCONT), EACCES))
                return 1;
            if (!succeeds(::syscall(SYS_kill, self, SIGCONT)))
                return 2;
            if (!succeeds(::syscall(SYS_kill, 0, 0)))
                return 3;
            return 0;
        }) == 0);
    }
    SECTION("two conditions on one argument become two rules (OR), as runc")
    {
        Seccomp config;
        config.default_action = "SCMP_ACT_ALLOW";
        config.syscalls = {rule({"personality"}, "SCMP_ACT_ERRNO", EACCES,
                                {arg(0, "SCMP_CMP_EQ", 0x1111), arg(0, "SCMP_CMP_EQ", 0x2222)})};
        CHECK(run_under(compile_seccomp(config), [] {
            if (!fails_with(::syscall(SYS_personality, 0x1111UL), EACCES))
                return 1;
            if (!fails_with(::syscall(SYS_personality, 0x2222UL), EACCES))
                return 2;
            if (!succeeds(::syscall(SYS_personality, 0xffffffffUL)))
                return 3;
            return 0;
        }) == 0);
    }
    SECTION("LT, LE, GT, GE, NE")
    {
        Seccomp config;
        config.default_action = "SCMP_ACT_ALLOW";
        config.syscalls = {
            rule({"getpriority"}, "SCMP_ACT_ERRNO", 11, {arg(0, "SCMP_CMP_LT", 1)}),       // which == 0
            rule({"setpgid"}, "SCMP_ACT_ERRNO", 12, {arg(0, "SCMP_CMP_GE", 1000000)}),
            rule({"getsid"}, "SCMP_ACT_ERRNO", 13, {arg(0, "SCMP_CMP_GT", 5)}),
            rule({"getpgid"}, "SCMP_ACT_ERRNO", 14, {arg(0, "SCMP_CMP_LE", 5)}),
            rule({"umask"}, "SCMP_ACT_ERRNO", 15, {arg(0, "SCMP_CMP_NE", 022)}),
        };
        CHECK(run_under(compile_seccomp(config), [] {
            if (!fails_with(::syscall(SYS_getpriority, 0, 0), 11))
                return 1;
            if (!succeeds(::syscall(SYS_getpriority, 1, 0)))
                return 2;
            if (!fails_with(::syscall(SYS_setpgid, 1000000, 0), 12))
                return 3;
            if (!fails_with(::syscall(SYS_getsid, 6), 13))
                return 4;
            if (!succeeds(::syscall(SYS_getsid, 0)))
                return 5;
            if (!fails_with(::syscall(SYS_getpgid, 5), 14))
                return 6;
            if (!fails_with(::syscall(SYS_umask, 077), 15))
                return 7;
            if (!succeeds(::syscall(SYS_umask, 022)))
                return 8;
            return 0;
        }) == 0);
    }
}

TEST_CASE("seccomp: unknown syscall names are skipped with a debug message")
{
    std::vector<std::string> messages;
    oci::set_log_sink([&](oci::LogLevel, const std::string& m) { messages.push_back(m); }, oci::LogLevel::debug);
    Seccomp config;
    config.default_action = "SCMP_ACT_ALLOW";
    config.syscalls = {rule({"no_such_syscall_ocirun", "getppid"}, "SCMP_ACT_ERRNO", 38)};
    SeccompProgram program = compile_seccomp(config);
    oci::set_log_sink(nullptr);
    CHECK(messages == std::vector<std::string>{"seccomp: unknown syscall no_such_syscall_ocirun ignored"});
    CHECK(run_under(program, [] { return fails_with(::syscall(SYS_getppid), 38) ? 0 : 1; }) == 0);
}

TEST_CASE("seccomp: rules repeating the default action are skipped")
{
    Seccomp config;
    config.default_action = "SCMP_ACT_ERRNO";
    config.syscalls = {rule({"getppid"}, "SCMP_ACT_ERRNO"),      // ERRNO(EPERM) == default: skipped
                       rule({"getppid"}, "SCMP_ACT_ERRNO", 38),  // a different errno is a different action
                       exit_rule()};
    CHECK(run_under(compile_seccomp(config), [] { return fails_with(::syscall(SYS_getppid), 38) ? 0 : 1; }) == 0);
}

TEST_CASE("seccomp: flags")
{
    Seccomp config;
    config.default_action = "SCMP_ACT_ALLOW";
    config.syscalls = {rule({"getppid"}, "SCMP_ACT_ERRNO")};
    config.flags = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"};
    CHECK(compile_seccomp(config).flags == (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW));

    // WAIT_KILLABLE_RECV means nothing (and is EINVAL) without a listener.
    config.flags = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "SECCOMP_FILTER_FLAG_TSYNC"};
    SeccompProgram program = compile_seccomp(config);
    CHECK(program.flags == SECCOMP_FILTER_FLAG_TSYNC);
    CHECK(run_under(program, [] { return fails_with(::syscall(SYS_getppid), EPERM) ? 0 : 1; }) == 0);

    // With a listener: kept, and TSYNC gets TSYNC_ESRCH (required with NEW_LISTENER).
    config.syscalls.push_back(rule({"getpgrp"}, "SCMP_ACT_NOTIFY"));
    program = compile_seccomp(config);
    CHECK(program.notify);
    CHECK(program.flags == (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | SECCOMP_FILTER_FLAG_TSYNC |
                            SECCOMP_FILTER_FLAG_TSYNC_ESRCH));
}

TEST_CASE("seccomp: loading a NOTIFY profile returns a close-on-exec listener")
{
    Seccomp config;
    config.default_action = "SCMP_ACT_ALLOW";
    config.syscalls = {rule({"getpgrp"}, "SCMP_ACT_NOTIFY")};
    config.flags = {"SECCOMP_FILTER_FLAG_TSYNC"};
    SeccompProgram program = compile_seccomp(config);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        int fd = -1;
        try {
            fd = oci::sys::load_seccomp(program);
        } catch (...) {
            exit_child(exit_load_failed);
        }
        if (fd < 0)
            exit_child(1);
        int fd_flags = ::fcntl(fd, F_GETFD);
        exit_child(fd_flags >= 0 && (fd_flags & FD_CLOEXEC) ? 0 : 2);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("seccomp: errors name the JSON path")
{
    Seccomp config;
    config.default_action = "SCMP_ACT_ALLOW";
    config.syscalls = {rule({"getpid"}, "SCMP_ACT_ERRNO"), rule({"getppid"}, "SCMP_ACT_ALLOW", 1)};
    CHECK(error_of(config) == "linux.seccomp.syscalls[1].errnoRet: not supported by SCMP_ACT_ALLOW "
                              "(only SCMP_ACT_ERRNO and SCMP_ACT_TRACE return an errno)");

    config.syscalls = {rule({"getppid"}, "SCMP_ACT_ERRNO", 70000)};
    CHECK(error_of(config) == "linux.seccomp.syscalls[0].errnoRet: 70000 does not fit seccomp's 16-bit return value");

    config.syscalls = {rule({"kill"}, "SCMP_ACT_ERRNO", {}, {arg(1, "SCMP_CMP_EQ", 1), arg(6, "SCMP_CMP_EQ", 1)})};
    CHECK(error_of(config) == "linux.seccomp.syscalls[0].args[1].index: 6 is out of range (syscalls take 6 arguments)");

    config.syscalls = {rule({"getpid", ""}, "SCMP_ACT_ERRNO")};
    CHECK(error_of(config) == "linux.seccomp.syscalls[0].names[1]: empty syscall name");

    config.syscalls = {rule({"read", "write"}, "SCMP_ACT_NOTIFY")};
    CHECK(error_of(config) == "linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for write "
                              "(the process hands the listener fd over with it)");
    config.syscalls = {rule({"sendmsg"}, "SCMP_ACT_NOTIFY")};
    CHECK(error_of(config) == "linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for sendmsg "
                              "(the process hands the listener fd over with it)");

    config.syscalls.clear();
    config.default_action = "SCMP_ACT_NOTIFY";
    CHECK(error_of(config).rfind("linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action", 0) == 0);

    config.default_action = "SCMP_ACT_KILL";
    config.default_errno_ret = 1;
    CHECK(error_of(config) == "linux.seccomp.defaultErrnoRet: not supported by SCMP_ACT_KILL "
                              "(only SCMP_ACT_ERRNO and SCMP_ACT_TRACE return an errno)");

    config.default_errno_ret.reset();
    config.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_NOPE"};
    CHECK(error_of(config) == "linux.seccomp.architectures[1]: SCMP_ARCH_NOPE is not supported by this libseccomp");
}

TEST_CASE("seccomp: the default profile of Docker compiles and confines a child")
{
    Seccomp profile = default_profile();
    std::size_t names = 0;
    for (const auto& s : profile.syscalls)
        names += s.names.size();
    CHECK(names > 350);

#if defined(__x86_64__)
    int80_works = int80_supported();
    if (!int80_works)
        WARN("i386 syscalls (int 0x80) not available on this kernel: their ENOSYS stub is not tried");
#endif
    for (bool all_arches : {false, true}) {
        CAPTURE(all_arches);
        Seccomp config = profile;
        if (!all_arches)
            config.architectures.clear();
        with_compat_arches = all_arches;
        auto start = std::chrono::steady_clock::now();
        SeccompProgram program = compile_seccomp(config);
        auto elapsed = std::chrono::steady_clock::now() - start;
        CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() < 2000);
        CHECK(program.filter.size() <= BPF_MAXINSNS);

        CHECK(run_under(program, [] {
            struct utsname u;
            if (!succeeds(::syscall(SYS_getpid)) || !succeeds(::syscall(SYS_uname, &u)))
                return 1;
            if (!succeeds(::syscall(SYS_personality, 0xffffffffUL)))
                return 2;
            if (!fails_with(::syscall(SYS_unshare, CLONE_NEWUSER), EPERM))
                return 3;
            // Refused by the clone rule (flags & CLONE_NEW*) == 0. Should the
            // filter let it through, the kernel says EINVAL (NEWUSER with FS).
            if (!fails_with(::syscall(SYS_clone, CLONE_NEWUSER | CLONE_FS | SIGCHLD, 0, 0, 0, 0), EPERM))
                return 4;
            if (!fails_with(::syscall(SYS_clone3, nullptr, 0), ENOSYS))
                return 5;
            if (!fails_with(::syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, nullptr), EPERM))
                return 6;
            if (!fails_with(::syscall(SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM, 0), EPERM))
                return 7;
            if (!fails_with(::syscall(SYS_personality, 0x0040000UL /* ADDR_NO_RANDOMIZE */), EPERM))
                return 8;
            // Above the profile's largest syscall (futex_waitv, 449): the
            // ENOSYS stub answers, not the default EPERM.
            if (!fails_with(::syscall(450), ENOSYS) || !fails_with(::syscall(1000), ENOSYS))
                return 9;
#if defined(__x86_64__)
            if (with_compat_arches) {
                if (!fails_with(::syscall(x32_bit | 1000), ENOSYS))
                    return 10;
                if (!fails_with(::syscall(x32_bit | SYS_unshare, CLONE_NEWUSER), EPERM))
                    return 11;
                if (int80_works && (int80(1000) != -ENOSYS || int80(310 /* i386 unshare */, CLONE_NEWUSER) != -EPERM ||
                                    int80(20 /* i386 getpid */) != ::syscall(SYS_getpid)))
                    return 12;
            }
#endif
            return 0;
        }) == 0);
    }
}

TEST_CASE("seccomp ENOSYS stub: syscalls above the profile's largest get ENOSYS")
{
    Seccomp config;
    config.default_action = "SCMP_ACT_ERRNO";
    config.syscalls = {rule({"getpid", "exit_group", "exit"}, "SCMP_ACT_ALLOW")};   // exit_group: 231 on x86_64
    SeccompProgram program = compile_seccomp(config);
    CHECK(run_under(program, [] {
        if (!succeeds(::syscall(SYS_getpid)))
            return 1;
        if (!fails_with(::syscall(SYS_tkill, 0, 0), EPERM))   // 200: below the limit, the default action
            return 2;
        if (!fails_with(::syscall(SYS_exit_group + 1), ENOSYS) || !fails_with(::syscall(1000), ENOSYS))
            return 3;
        return 0;
    }) == 0);

    // A killing default spares numbers above the limit too.
    config.default_action = "SCMP_ACT_KILL_PROCESS";
    CHECK(run_under(compile_seccomp(config), [] { return fails_with(::syscall(1000), ENOSYS) ? 0 : 1; }) == 0);

    // Defaults that let syscalls through get no stub (no rule here returns ENOSYS).
    auto returns_enosys = [](const SeccompProgram& p) {
        for (const auto& insn : p.filter)
            if (insn.code == (BPF_RET | BPF_K) && insn.k == (SECCOMP_RET_ERRNO | ENOSYS))
                return true;
        return false;
    };
    config.syscalls = {rule({"getpid", "exit_group", "exit"}, "SCMP_ACT_ERRNO")};
    for (const char* action : {"SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE"}) {
        CAPTURE(action);
        config.default_action = action;
        CHECK_FALSE(returns_enosys(compile_seccomp(config)));
    }
    config.default_action = "SCMP_ACT_KILL";
    CHECK(returns_enosys(compile_seccomp(config)));
}

TEST_CASE("seccomp ENOSYS stub: per-architecture limits")
{
    constexpr uint32_t enosys = SECCOMP_RET_ERRNO | ENOSYS;
    CHECK(oci::sys::enosys_stub({}).empty());

    auto stub = oci::sys::enosys_stub({{SCMP_ARCH_X86_64, 449}, {SCMP_ARCH_X32, x32_bit | 440},
                                       {SCMP_ARCH_X86, 451}, {SCMP_ARCH_S390X, 400}});
    CHECK(run_bpf(stub, AUDIT_ARCH_X86_64, 0) == falls_through);
    CHECK(run_bpf(stub, AUDIT_ARCH_X86_64, 449) == falls_through);
    CHECK(run_bpf(stub, AUDIT_ARCH_X86_64, 450) == enosys);
    CHECK(run_bpf(stub, AUDIT_ARCH_X86_64, 0xffffffff) == enosys);
    CHECK(run_bpf(stub, AUDIT_ARCH_X86_64, x32_bit | 440) == falls_through);
    CHECK(run_bpf(stub, AUDIT_ARCH_X86_64, x32_bit | 441) == enosys);
    CHECK(run_bpf(stub, AUDIT_ARCH_I386, 451) == falls_through);
    CHECK(run_bpf(stub, AUDIT_ARCH_I386, 452) == enosys);
    CHECK(run_bpf(stub, AUDIT_ARCH_S390X, 0) == enosys);   // s390's multiplexer for unknown numbers
    CHECK(run_bpf(stub, AUDIT_ARCH_S390X, 400) == falls_through);
    CHECK(run_bpf(stub, AUDIT_ARCH_S390X, 401) == enosys);
    CHECK(run_bpf(stub, AUDIT_ARCH_AARCH64, 5000) == falls_through);   // not in the filter

    // One x86_64 mode alone: numbers of the other mode are the filter's business.
    auto only_64 = oci::sys::enosys_stub({{SCMP_ARCH_X86_64, 300}});
    CHECK(run_bpf(only_64, AUDIT_ARCH_X86_64, 301) == enosys);
    CHECK(run_bpf(only_64, AUDIT_ARCH_X86_64, x32_bit | 5000) == falls_through);
    auto only_x32 = oci::sys::enosys_stub({{SCMP_ARCH_X32, x32_bit | 300}});
    CHECK(run_bpf(only_x32, AUDIT_ARCH_X86_64, x32_bit | 301) == enosys);
    CHECK(run_bpf(only_x32, AUDIT_ARCH_X86_64, x32_bit | 300) == falls_through);
    CHECK(run_bpf(only_x32, AUDIT_ARCH_X86_64, 5000) == falls_through);
}

TEST_CASE("seccomp notify: the container process state document")
{
    CHECK(oci::sys::container_process_state(42, R"({"ociVersion":"1.3.0","id":"c1","status":"creating","pid":42,"bundle":"/b"})", "MKNOD=/dev/null") ==
          R"({"ociVersion":"1.3.0","fds":["seccompFd"],"pid":42,"metadata":"MKNOD=/dev/null","state":{"ociVersion":"1.3.0","id":"c1","status":"creating","pid":42,"bundle":"/b"}})");
    // metadata is OPTIONAL: left out when empty; strings are escaped.
    CHECK(oci::sys::container_process_state(7, "{}", "") == R"({"ociVersion":"1.3.0","fds":["seccompFd"],"pid":7,"state":{}})");
    CHECK(oci::sys::container_process_state(7, "{}", "a\"b") == R"({"ociVersion":"1.3.0","fds":["seccompFd"],"pid":7,"metadata":"a\"b","state":{}})");
}

TEST_CASE("seccomp notify: errors name the listener path")
{
    auto error = [](const std::string& path) {
        try {
            oci::sys::send_seccomp_listener(path, 0, 1, "{}", "");
        } catch (const oci::Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(error("/nonexistent-ocirun/agent.sock") == "send seccomp listener to /nonexistent-ocirun/agent.sock: connect: no such file or directory");
    CHECK(error(std::string(200, 'a')).find(": path must have 1 to 107 bytes") != std::string::npos);
}

namespace {

// A child process that is killed and reaped if the test leaves early.
struct Child {
    pid_t pid = -1;
    ~Child()
    {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    }
    int wait()
    {
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
};

} // namespace

TEST_CASE("seccomp notify: an agent at listenerPath gets the fd and answers the child's syscall")
{
    namespace fs = std::filesystem;
    char tmpl[] = "/tmp/ocirun-seccomp-agent-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    std::string dir = tmpl;
    std::string path = dir + "/agent.sock";
    struct Cleanup {
        std::string dir;
        ~Cleanup() { std::error_code ec; fs::remove_all(dir, ec); }
    } cleanup{dir};

    oci::util::unique_fd server(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(server);
    struct sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path.c_str());
    REQUIRE(::bind(server.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(server.get(), 1) == 0);

    Seccomp config;
    config.default_action = "SCMP_ACT_ALLOW";
    config.syscalls = {rule({"getppid"}, "SCMP_ACT_NOTIFY")};
    config.flags = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
    SeccompProgram program = compile_seccomp(config);

    Child child;
    child.pid = ::fork();
    REQUIRE(child.pid >= 0);
    if (child.pid == 0) {
        ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        try {
            int fd = oci::sys::load_seccomp(program);
            oci::sys::send_seccomp_listener(path, fd, ::getpid(), R"({"id":"c1"})", "meta");
            ::close(fd);   // the agent's copy is now the only listener
        } catch (...) {
            exit_child(exit_load_failed);
        }
        long rc = ::syscall(SYS_getppid);   // the agent answers 4242
        exit_child(rc == 4242 ? 0 : 1);
    }

    oci::util::unique_fd conn(::accept4(server.get(), nullptr, nullptr, SOCK_CLOEXEC));
    REQUIRE(conn);
    std::string data;
    oci::util::unique_fd listener;
    for (;;) {
        char buf[4096];
        union {
            char control[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } u;
        struct iovec iov{buf, sizeof buf};
        struct msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = u.control;
        msg.msg_controllen = sizeof u.control;
        ssize_t n = ::recvmsg(conn.get(), &msg, MSG_CMSG_CLOEXEC);
        REQUIRE(n >= 0);
        if (n == 0)
            break;   // one state per connection: the runtime closes it
        for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                int fd;
                std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
                REQUIRE_FALSE(listener);
                listener.reset(fd);
            }
        data.append(buf, static_cast<std::size_t>(n));
    }
    CHECK(data == R"({"ociVersion":"1.3.0","fds":["seccompFd"],"pid":)" + std::to_string(child.pid) +
                      R"(,"metadata":"meta","state":{"id":"c1"}})");
    REQUIRE(listener);

    struct seccomp_notif req;
    std::memset(&req, 0, sizeof req);
    REQUIRE(::ioctl(listener.get(), SECCOMP_IOCTL_NOTIF_RECV, &req) == 0);
    CHECK(req.pid == static_cast<uint32_t>(child.pid));
    CHECK(req.data.nr == SYS_getppid);
    struct seccomp_notif_resp resp;
    std::memset(&resp, 0, sizeof resp);
    resp.id = req.id;
    resp.val = 4242;
    REQUIRE(::ioctl(listener.get(), SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0);
    CHECK(child.wait() == 0);
}
