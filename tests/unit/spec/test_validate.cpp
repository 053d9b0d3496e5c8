// validate: one test per check; each bad value must produce an error that
// names its exact JSON path. Every test starts from the valid default config.
#include "helpers.hpp"

#include <spec/validate.hpp>

#include <oci/spec.hpp>

#include <catch2/catch.hpp>

using namespace oci::spec;
using spec_test::error_of;

namespace {

std::string problem_in(const Config& c)
{
    return error_of([&] { validate(c); });
}

Config base()
{
    return default_config();
}

Config rootless()
{
    return default_config(true, 1000, 1000);
}

} // namespace

TEST_CASE("validate: the default configs are valid")
{
    CHECK_FALSE(find_problem(base()));
    CHECK_FALSE(find_problem(rootless()));
    CHECK(config_checks().size() >= 15);
    for (const ConfigCheck& check : config_checks())
        CHECK(std::string(check.name).size() > 0);
}

TEST_CASE("validate: ociVersion is required")
{
    Config c = base();
    c.oci_version.clear();
    CHECK(problem_in(c) == "config.json: ociVersion: required field is missing or empty");
}

TEST_CASE("validate: root.path is required")
{
    Config c = base();
    c.root = Root{};
    CHECK(problem_in(c) == "config.json: root.path: required field is missing or empty");
    CHECK(error_of([] { parse_config(R"({"ociVersion": "1.3.0"})"); }) ==
          "config.json: root.path: required field is missing or empty");
}

TEST_CASE("validate: process.cwd is absolute and has no NUL byte")
{
    Config c = base();
    c.process->cwd = "";
    CHECK(problem_in(c) == "config.json: process.cwd: required field is missing or empty");
    c.process->cwd = "work";
    CHECK(problem_in(c) == "config.json: process.cwd: expected an absolute path, got \"work\"");
    c.process->cwd = std::string("/work\0/etc", 10);
    CHECK(problem_in(c) == "config.json: process.cwd: must not contain a NUL byte");
    CHECK(error_of([] { parse_config(R"({"ociVersion": "1", "root": {"path": "r"}, "process": {"cwd": "/a\u0000b", "args": ["sh"]}})"); }) ==
          "config.json: process.cwd: must not contain a NUL byte");
}

TEST_CASE("validate: process.args names a program")
{
    Config c = base();
    c.process->args.clear();
    CHECK(problem_in(c) == "config.json: process.args: must name the program to run (got no arguments)");
    c.process.reset();
    CHECK_FALSE(find_problem(c));
}

TEST_CASE("validate: capability names are known")
{
    Config c = base();
    c.process->capabilities->permitted->push_back("CAP_CHECKPOINT_RESTORE");
    CHECK_FALSE(find_problem(c));
    c.process->capabilities->permitted->push_back("CAP_FLY");
    CHECK(problem_in(c) == "config.json: process.capabilities.permitted[4]: unknown capability \"CAP_FLY\"");
    c = base();
    c.process->capabilities->ambient = std::vector<std::string>{"chown"};
    CHECK(problem_in(c) == "config.json: process.capabilities.ambient[0]: unknown capability \"chown\"");
}

TEST_CASE("validate: rlimit types are RLIMIT_ names Linux knows, each once")
{
    Config c = base();
    c.process->rlimits.push_back({"nofile", 1, 1});
    CHECK(problem_in(c) == "config.json: process.rlimits[1].type: expected a name like RLIMIT_NOFILE, got \"nofile\"");
    c.process->rlimits[1].type = "RLIMIT_FOO";
    CHECK(problem_in(c) == "config.json: process.rlimits[1].type: unknown rlimit \"RLIMIT_FOO\"");
    c.process->rlimits[1].type = "RLIMIT_NOFILE";
    CHECK(problem_in(c) == "config.json: process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\"");
    c.process->rlimits[1].type = "RLIMIT_RTTIME";
    CHECK_FALSE(find_problem(c));
}

TEST_CASE("validate: ioPriority class and level")
{
    Config c = base();
    c.process->io_priority = IoPriority{"IOPRIO_CLASS_NONE", 0};
    CHECK(problem_in(c) == "config.json: process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_NONE\""
                           " (expected one of IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE)");
    c.process->io_priority = IoPriority{"IOPRIO_CLASS_BE", 8};
    CHECK(problem_in(c) == "config.json: process.ioPriority.priority: expected a level from 0 to 7, got 8");
    c.process->io_priority = IoPriority{"IOPRIO_CLASS_RT", 7};
    CHECK_FALSE(find_problem(c));
}

TEST_CASE("validate: scheduler policy, flags and values")
{
    Config c = base();
    c.process->scheduler = Scheduler{"SCHED_NORMAL", 0, 0, {}, 0, 0, 0};
    CHECK(problem_in(c) == "config.json: process.scheduler.policy: unknown scheduler policy \"SCHED_NORMAL\" (expected one of "
                           "SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE, SCHED_DEADLINE)");
    c.process->scheduler = Scheduler{"SCHED_OTHER", 0, 0, {"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_X"}, 0, 0, 0};
    CHECK(problem_in(c).rfind("config.json: process.scheduler.flags[1]: unknown scheduler flag \"SCHED_FLAG_X\"", 0) == 0);
    c.process->scheduler = Scheduler{"SCHED_OTHER", 20, 0, {}, 0, 0, 0};
    CHECK(problem_in(c) == "config.json: process.scheduler.nice: expected a value from -20 to 19, got 20");
    c.process->scheduler = Scheduler{"SCHED_BATCH", 0, 5, {}, 0, 0, 0};
    CHECK(problem_in(c) == "config.json: process.scheduler.priority: only SCHED_FIFO and SCHED_RR take a priority");
    c.process->scheduler = Scheduler{"SCHED_RR", 0, 5, {}, 100, 0, 0};
    CHECK(problem_in(c) == "config.json: process.scheduler: runtime, deadline and period are only for SCHED_DEADLINE");
    c.process->scheduler = Scheduler{"SCHED_DEADLINE", 0, 0, {}, 100, 200, 300};
    CHECK_FALSE(find_problem(c));
}

TEST_CASE("validate: execCPUAffinity lists")
{
    Config c = base();
    c.process->exec_cpu_affinity = ExecCpuAffinity{"0-3, 7", "all"};
    CHECK(problem_in(c) == "config.json: process.execCPUAffinity.final: expected a CPU list like \"0-3,7\", got \"all\"");
    c.process->exec_cpu_affinity = ExecCpuAffinity{"0;1", ""};
    CHECK(problem_in(c) == "config.json: process.execCPUAffinity.initial: expected a CPU list like \"0-3,7\", got \"0;1\"");
}

TEST_CASE("validate: mount destinations are absolute, id maps come in pairs")
{
    Config c = base();
    c.mounts[2].destination = "dev/pts";
    CHECK(problem_in(c) == "config.json: mounts[2].destination: expected an absolute path, got \"dev/pts\"");
    c = base();
    c.mounts[0].uid_mappings = {{0, 1000, 1}};
    CHECK(problem_in(c) == "config.json: mounts[0].gidMappings: an id-mapped mount needs both uidMappings and gidMappings");
    c.mounts[0].gid_mappings = {{0, 1000, 1}};
    CHECK_FALSE(find_problem(c));
}

TEST_CASE("validate: hook paths are absolute and timeouts positive")
{
    Config c = base();
    c.hooks.poststart = {{"/bin/true", {}, {}, 1}, {"true", {}, {}, std::nullopt}};
    CHECK(problem_in(c) == "config.json: hooks.poststart[1].path: expected an absolute path, got \"true\"");
    c.hooks.poststart[1].path = "/bin/true";
    c.hooks.poststart[1].timeout = 0;
    CHECK(problem_in(c) == "config.json: hooks.poststart[1].timeout: expected at least 1 second, got 0");
    c.hooks.poststart[1].timeout.reset();
    c.hooks.create_runtime = {{"/usr/bin/hook", {"hook"}, {"A=b"}, -5}};
    CHECK(problem_in(c) == "config.json: hooks.createRuntime[0].timeout: expected at least 1 second, got -5");
}

TEST_CASE("validate: annotation keys are not empty")
{
    Config c = base();
    c.annotations[""] = "x";
    CHECK(problem_in(c) == "config.json: annotations[\"\"]: keys must not be empty");
}

TEST_CASE("validate: namespaces are unique and paths absolute")
{
    Config c = base();
    c.linux_config->namespaces.push_back({NamespaceType::pid, ""});
    CHECK(problem_in(c) == "config.json: linux.namespaces[6].type: duplicate namespace \"pid\"");
    c = base();
    c.linux_config->namespaces[3].path = "proc/1/ns/uts";
    CHECK(problem_in(c) == "config.json: linux.namespaces[3].path: expected an absolute path, got \"proc/1/ns/uts\"");
    std::string text = R"({"ociVersion": "1", "root": {"path": "r"}, "linux": {"namespaces":
        [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "pid", "path": "/proc/1/ns/pid"}]}})";
    CHECK(error_of([&] { parse_config(text); }) == "config.json: linux.namespaces[3].type: duplicate namespace \"pid\"");
}

TEST_CASE("validate: id mappings iff a new user namespace")
{
    Config c = base();
    c.linux_config->uid_mappings = {{0, 1000, 1}};
    CHECK(problem_in(c) == "config.json: linux.uidMappings: mappings need a user namespace in linux.namespaces");
    c = base();
    c.linux_config->gid_mappings = {{0, 1000, 1}};
    CHECK(problem_in(c) == "config.json: linux.gidMappings: mappings need a user namespace in linux.namespaces");

    c = rootless();
    c.linux_config->uid_mappings.clear();
    CHECK(problem_in(c) == "config.json: linux.uidMappings: a new user namespace needs uid mappings");
    c = rootless();
    c.linux_config->gid_mappings.clear();
    CHECK(problem_in(c) == "config.json: linux.gidMappings: a new user namespace needs gid mappings");

    // Joining a user namespace: its mappings exist already; given ones are allowed.
    c = rootless();
    c.linux_config->namespaces.back().path = "/proc/1234/ns/user";
    c.linux_config->uid_mappings.clear();
    c.linux_config->gid_mappings.clear();
    CHECK_FALSE(find_problem(c));

    c = rootless();
    c.linux_config->gid_mappings[0].size = 0;
    CHECK(problem_in(c) == "config.json: linux.gidMappings[0].size: must be at least 1");
}

TEST_CASE("validate: device types and paths")
{
    Config c = base();
    c.linux_config->devices = {{"c", "/dev/fuse", 10, 229, 0666, 0, 0}, {"x", "/dev/x", 1, 1, {}, {}, {}}};
    CHECK(problem_in(c) == "config.json: linux.devices[1].type: expected one of \"c\", \"b\", \"u\", \"p\", got \"x\"");
    c.linux_config->devices[1] = {"p", "fifo", 0, 0, {}, {}, {}};
    CHECK(problem_in(c) == "config.json: linux.devices[1].path: expected an absolute path, got \"fifo\"");
    c.linux_config->devices[1].path = "/dev/fifo";
    CHECK_FALSE(find_problem(c));
}

TEST_CASE("validate: sysctl keys are not empty")
{
    Config c = base();
    c.linux_config->sysctl = {{"net.ipv4.ip_forward", "1"}, {"", "1"}};
    CHECK(problem_in(c) == "config.json: linux.sysctl[\"\"]: keys must not be empty");
}

TEST_CASE("validate: rootfsPropagation")
{
    Config c = base();
    c.linux_config->rootfs_propagation = "rslave";
    CHECK(problem_in(c) == "config.json: linux.rootfsPropagation: unknown propagation \"rslave\""
                           " (expected one of private, shared, slave, unbindable)");
    c.linux_config->rootfs_propagation = "unbindable";
    CHECK_FALSE(find_problem(c));
}

TEST_CASE("validate: masked and read-only paths are absolute")
{
    Config c = base();
    c.linux_config->masked_paths.push_back("proc/kcore");
    CHECK(problem_in(c) == "config.json: linux.maskedPaths[10]: expected an absolute path, got \"proc/kcore\"");
    c = base();
    c.linux_config->readonly_paths[0] = "";
    CHECK(problem_in(c) == "config.json: linux.readonlyPaths[0]: expected an absolute path, got \"\"");
}

TEST_CASE("validate: personality domain")
{
    Config c = base();
    c.linux_config->personality = Personality{"LINUX64", {}};
    CHECK(problem_in(c) == "config.json: linux.personality.domain: unknown personality domain \"LINUX64\" (expected one of LINUX, LINUX32)");
}

TEST_CASE("validate: memoryPolicy mode and flags")
{
    Config c = base();
    c.linux_config->memory_policy = MemoryPolicy{"MPOL_RANDOM", "0-1", {}};
    CHECK(problem_in(c).rfind("config.json: linux.memoryPolicy.mode: unknown memory policy mode \"MPOL_RANDOM\"", 0) == 0);
    c.linux_config->memory_policy = MemoryPolicy{"MPOL_BIND", "0-1", {"MPOL_F_STATIC_NODES", "MPOL_F_X"}};
    CHECK(problem_in(c) == "config.json: linux.memoryPolicy.flags[1]: unknown memory policy flag \"MPOL_F_X\""
                           " (expected one of MPOL_F_NUMA_BALANCING, MPOL_F_RELATIVE_NODES, MPOL_F_STATIC_NODES)");
}

TEST_CASE("validate: intelRdt memBwSchema")
{
    Config c = base();
    c.linux_config->intel_rdt = IntelRdt{"clos1", {}, "L3:0=ff", "L3:0=70", false};
    CHECK(problem_in(c) == "config.json: linux.intelRdt.memBwSchema: expected one line starting with \"MB:\", got \"L3:0=70\"");
    c.linux_config->intel_rdt->mem_bw_schema = "MB:0=70\nMB:1=20";
    CHECK(problem_in(c).rfind("config.json: linux.intelRdt.memBwSchema: ", 0) == 0);
    c.linux_config->intel_rdt->mem_bw_schema = "MB:0=70;1=20";
    CHECK_FALSE(find_problem(c));
}

TEST_CASE("validate: seccomp names")
{
    Config c = base();
    Seccomp s;
    s.default_action = "SCMP_ACT_DENY";
    c.linux_config->seccomp = s;
    CHECK(problem_in(c) == "config.json: linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_DENY\"");
    s.default_action = "SCMP_ACT_ERRNO";
    s.architectures = {"SCMP_ARCH_X86_64", "x86_64"};
    c.linux_config->seccomp = s;
    CHECK(problem_in(c) == "config.json: linux.seccomp.architectures[1]: unknown seccomp architecture \"x86_64\"");
    s.architectures = {"SCMP_ARCH_X86_64"};
    s.flags = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_NEW_LISTENER"};
    c.linux_config->seccomp = s;
    CHECK(problem_in(c) == "config.json: linux.seccomp.flags[1]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\""
                           " (expected one of SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW,"
                           " SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)");
    s.flags.clear();
    s.syscalls = {{{"read"}, "SCMP_ACT_ALLOW", {}, {}}, {{}, "SCMP_ACT_ALLOW", {}, {}}};
    c.linux_config->seccomp = s;
    CHECK(problem_in(c) == "config.json: linux.seccomp.syscalls[1].names: must name at least one syscall");
    s.syscalls[1] = {{"write"}, "ALLOW", {}, {}};
    c.linux_config->seccomp = s;
    CHECK(problem_in(c) == "config.json: linux.seccomp.syscalls[1].action: unknown seccomp action \"ALLOW\"");
    s.syscalls[1] = {{"personality"}, "SCMP_ACT_ALLOW", {}, {{0, 8, 0, "SCMP_CMP_EQ"}, {1, 0, 0, "=="}}};
    c.linux_config->seccomp = s;
    CHECK(problem_in(c) == "config.json: linux.seccomp.syscalls[1].args[1].op: unknown seccomp operator \"==\" (expected one of "
                           "SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ)");
    s.syscalls[1].args.pop_back();
    c.linux_config->seccomp = s;
    CHECK_FALSE(find_problem(c));
}

TEST_CASE("validate: resources device rules")
{
    Config c = base();
    c.linux_config->resources->devices.push_back({true, "d", 1, 3, "rw"});
    CHECK(problem_in(c) == "config.json: linux.resources.devices[1].type: expected one of \"a\", \"b\", \"c\", got \"d\"");
    c.linux_config->resources->devices[1] = {true, "c", 1, 3, "rwx"};
    CHECK(problem_in(c) == "config.json: linux.resources.devices[1].access: expected letters from \"rwm\", got \"rwx\"");
    c.linux_config->resources->devices[1] = {true, "c", 1, 3, "rw"};
    CHECK_FALSE(find_problem(c));
}

TEST_CASE("validate: hugepage page sizes match ^[1-9][0-9]*[KMG]B$")
{
    Config c = base();
    for (const char* good : {"2MB", "1GB", "64KB", "16384KB"}) {
        c.linux_config->resources->hugepage_limits = {{good, 1}};
        CHECK_FALSE(find_problem(c));
    }
    for (const char* bad : {"64kB", "2M", "02MB", "MB", "2TB", "1.5GB", ""}) {
        c.linux_config->resources->hugepage_limits = {{"2MB", 1}, {bad, 1}};
        CHECK(problem_in(c) == std::string("config.json: linux.resources.hugepageLimits[1].pageSize: expected a size like \"2MB\" or \"1GB\", got \"") + bad + "\"");
    }
}

TEST_CASE("validate: resources unified keys are not empty")
{
    Config c = base();
    c.linux_config->resources->unified = {{"", "1"}};
    CHECK(problem_in(c) == "config.json: linux.resources.unified[\"\"]: keys must not be empty");
}

TEST_CASE("validate: process and resources on their own use relative paths")
{
    Process p = *base().process;
    p.cwd = "x";
    CHECK(error_of([&] { validate_process(p, "process.json", ""); }) == "process.json: cwd: expected an absolute path, got \"x\"");
    Resources r;
    r.devices = {{false, "q", {}, {}, "r"}};
    CHECK(error_of([&] { validate_resources(r, "resources.json", ""); }) ==
          "resources.json: devices[0].type: expected one of \"a\", \"b\", \"c\", got \"q\"");
}
