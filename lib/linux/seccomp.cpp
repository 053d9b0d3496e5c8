// linux.seccomp -> BPF with libseccomp (in the parent), and the seccomp(2)
// call that loads it (in the container's process, last).
#include "linux/seccomp.hpp"

#include "linux/seccomp_enosys.hpp"
#include "util/unique_fd.hpp"

#include <oci/error.hpp>
#include <oci/log.hpp>

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace oci::sys {

namespace {

// Syscalls take at most six arguments.
constexpr unsigned int max_syscall_args = 6;

struct ArchName {
    std::string_view name;
    uint32_t token;
};

// The spec's names this libseccomp can build filters for; names the spec
// lists but libseccomp 2.5 lacks (LOONGARCH64, M68K, SH, SHEB) are errors.
const ArchName arch_names[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
#ifdef SCMP_ARCH_LOONGARCH64
    {"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64},
#endif
#ifdef SCMP_ARCH_M68K
    {"SCMP_ARCH_M68K", SCMP_ARCH_M68K},
#endif
#ifdef SCMP_ARCH_SH
    {"SCMP_ARCH_SH", SCMP_ARCH_SH},
    {"SCMP_ARCH_SHEB", SCMP_ARCH_SHEB},
#endif
};

struct FlagName {
    std::string_view name;
    unsigned int bit;
};

const FlagName flag_names[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

struct OperatorName {
    std::string_view name;
    scmp_compare op;
};

const OperatorName operator_names[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE}, {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

struct FilterDeleter {
    void operator()(void* ctx) const noexcept { seccomp_release(ctx); }
};
using Filter = std::unique_ptr<void, FilterDeleter>;

// The libseccomp action for an OCI action name; `path` names the object
// holding it, for errors.
uint32_t to_action(const std::string& name, std::optional<uint32_t> errno_ret, const std::string& path,
                   const char* errno_field)
{
    auto with_errno = [&](uint32_t (*make)(uint32_t)) {
        uint32_t value = errno_ret.value_or(EPERM);
        // The kernel keeps 16 bits of return data; libseccomp would silently cut the rest.
        if (value > 0xffff)
            throw Error(path + "." + errno_field + ": " + std::to_string(value) +
                        " does not fit seccomp's 16-bit return value");
        return make(value);
    };
    if (name == "SCMP_ACT_ERRNO")
        return with_errno([](uint32_t v) { return SCMP_ACT_ERRNO(v); });
    if (name == "SCMP_ACT_TRACE")
        return with_errno([](uint32_t v) { return SCMP_ACT_TRACE(v); });
    if (errno_ret)
        throw Error(path + "." + errno_field + ": not supported by " + name +
                    " (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE return an errno)");
    if (name == "SCMP_ACT_ALLOW")
        return SCMP_ACT_ALLOW;
    if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD")
        return SCMP_ACT_KILL_THREAD;
    if (name == "SCMP_ACT_KILL_PROCESS")
        return SCMP_ACT_KILL_PROCESS;
    if (name == "SCMP_ACT_TRAP")
        return SCMP_ACT_TRAP;
    if (name == "SCMP_ACT_LOG")
        return SCMP_ACT_LOG;
    if (name == "SCMP_ACT_NOTIFY")
        return SCMP_ACT_NOTIFY;
    throw Error(path + ": unknown seccomp action " + name);
}

uint32_t to_arch(const std::string& name, const std::string& path)
{
    for (const auto& a : arch_names)
        if (a.name == name)
            return a.token;
    throw Error(path + ": " + name + " is not supported by this libseccomp");
}

scmp_compare to_operator(const std::string& name, const std::string& path)
{
    for (const auto& o : operator_names)
        if (o.name == name)
            return o.op;
    throw Error(path + ": unknown seccomp operator " + name);
}

unsigned int to_flags(const std::vector<std::string>& names)
{
    unsigned int flags = 0;
    for (std::size_t i = 0; i < names.size(); ++i) {
        bool known = false;
        for (const auto& f : flag_names)
            if (f.name == names[i]) {
                flags |= f.bit;
                known = true;
            }
        if (!known)
            throw Error("linux.seccomp.flags[" + std::to_string(i) + "]: unknown seccomp flag " + names[i]);
    }
    return flags;
}

// The conditions of one syscalls[] entry, and whether two of them name the
// same argument (libseccomp refuses that within one rule).
struct Conditions {
    std::vector<scmp_arg_cmp> list;
    bool repeats_argument = false;
};

Conditions to_conditions(const std::vector<spec::SeccompArg>& args, const std::string& path)
{
    Conditions conditions;
    unsigned int seen[max_syscall_args] = {};
    for (std::size_t j = 0; j < args.size(); ++j) {
        const spec::SeccompArg& arg = args[j];
        std::string at = path + ".args[" + std::to_string(j) + "]";
        if (arg.index >= max_syscall_args)
            throw Error(at + ".index: " + std::to_string(arg.index) + " is out of range (syscalls take 6 arguments)");
        // value, valueTwo go to datum_a, datum_b as runc (libseccomp-golang's
        // MakeCondition) passes them: for MASKED_EQ, (arg & value) == valueTwo.
        conditions.list.push_back({arg.index, to_operator(arg.op, at + ".op"), arg.value, arg.value_two});
        if (++seen[arg.index] > 1)
            conditions.repeats_argument = true;
    }
    return conditions;
}

void add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, const Conditions& conditions,
              const std::string& path, const std::string& name)
{
    auto add = [&](unsigned int count, const scmp_arg_cmp* list) {
        int rc = seccomp_rule_add_array(ctx, action, nr, count, list);
        if (rc < 0)
            throw_errno(path + ": add rule for " + name, -rc);
    };
    if (conditions.list.empty())
        add(0, nullptr);
    else if (conditions.repeats_argument)
        for (const auto& condition : conditions.list)
            add(1, &condition);
    else
        add(static_cast<unsigned int>(conditions.list.size()), conditions.list.data());
}

// seccomp_export_bpf writes to an fd (libseccomp 2.5 has no in-memory
// export); a memfd holds the program of any size without a reader thread.
std::vector<struct sock_filter> export_bpf(scmp_filter_ctx ctx)
{
    util::unique_fd fd(::memfd_create("ocirun-seccomp-bpf", MFD_CLOEXEC));
    if (!fd)
        throw_errno("linux.seccomp: memfd_create for the BPF program");
    int rc = seccomp_export_bpf(ctx, fd.get());
    if (rc < 0)
        throw_errno("linux.seccomp: export BPF", -rc);
    struct stat st;
    if (::fstat(fd.get(), &st) < 0)
        throw_errno("linux.seccomp: stat the exported BPF program");
    auto size = static_cast<std::size_t>(st.st_size);
    if (size == 0 || size % sizeof(struct sock_filter) != 0)
        throw Error("linux.seccomp: exported BPF program has " + std::to_string(size) +
                    " bytes, not a whole number of instructions");
    std::vector<struct sock_filter> program(size / sizeof(struct sock_filter));
    auto* out = reinterpret_cast<char*>(program.data());
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = ::pread(fd.get(), out + done, size - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw_errno("linux.seccomp: read the exported BPF program");
        if (n == 0)
            throw Error("linux.seccomp: exported BPF program shrank while being read");
        done += static_cast<std::size_t>(n);
    }
    return program;
}

// Default actions that let unknown syscalls through need no ENOSYS stub
// (runc counts TRACE among them: a tracer handles new syscalls itself).
bool lets_syscalls_through(uint32_t action)
{
    return action == SCMP_ACT_ALLOW || action == SCMP_ACT_LOG ||
           (action & SECCOMP_RET_ACTION_FULL) == SCMP_ACT_TRACE(0);
}

// The largest syscall number the profile names on each architecture of the
// filter, whatever the rule's action (as runc).
std::vector<SyscallLimit> syscall_limits(const spec::Seccomp& config, const std::vector<uint32_t>& arches)
{
    std::vector<SyscallLimit> limits;
    for (uint32_t arch : arches) {
        int max_nr = -1;
        for (const auto& entry : config.syscalls)
            for (const auto& name : entry.names)
                max_nr = std::max(max_nr, seccomp_syscall_resolve_name_arch(arch, name.c_str()));
        if (max_nr > 0)   // negative: unknown or a pseudo number on this arch
            limits.push_back({arch, static_cast<uint32_t>(max_nr)});
    }
    return limits;
}

} // namespace

SeccompProgram compile_seccomp(const spec::Seccomp& config)
{
    const std::string at = "linux.seccomp";
    SeccompProgram program;

    uint32_t default_action = to_action(config.default_action, config.default_errno_ret, at, "defaultErrnoRet");
    if (default_action == SCMP_ACT_NOTIFY)
        throw Error(at + ".defaultAction: SCMP_ACT_NOTIFY cannot be the default action "
                         "(the process could not hand over the listener)");

    Filter filter(seccomp_init(default_action));
    if (!filter)
        throw Error(at + ".defaultAction: libseccomp refused " + config.default_action +
                    " (not supported by this kernel?)");

    std::vector<uint32_t> arches{seccomp_arch_native()};
    for (std::size_t i = 0; i < config.architectures.size(); ++i) {
        std::string path = at + ".architectures[" + std::to_string(i) + "]";
        uint32_t arch = to_arch(config.architectures[i], path);
        if (std::find(arches.begin(), arches.end(), arch) == arches.end())
            arches.push_back(arch);
        int rc = seccomp_arch_add(filter.get(), arch);
        if (rc < 0 && rc != -EEXIST)   // the native one is already there
            throw_errno(path + ": add " + config.architectures[i], -rc);
    }

    // A binary tree beats a linear list of syscall checks for long profiles;
    // like runc, only past 32 entries (libseccomp <= 2.5.4 builds a broken
    // tree for an empty rule set).
    if (config.syscalls.size() > 32) {
        int rc = seccomp_attr_set(filter.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);
        if (rc < 0)
            log_debug(std::string("seccomp: binary tree optimization not available: ") + std::strerror(-rc));
    }

    for (std::size_t i = 0; i < config.syscalls.size(); ++i) {
        const spec::SeccompSyscall& entry = config.syscalls[i];
        std::string path = at + ".syscalls[" + std::to_string(i) + "]";
        uint32_t action = to_action(entry.action, entry.errno_ret, path, "errnoRet");
        Conditions conditions = to_conditions(entry.args, path);
        if (action == SCMP_ACT_NOTIFY) {
            program.notify = true;
            for (const auto& name : entry.names)
                if (name == "write" || name == "sendmsg")
                    throw Error(path + ": SCMP_ACT_NOTIFY cannot be used for " + name +
                                " (the process hands the listener fd over with it)");
        }
        // libseccomp refuses rules that repeat the default action.
        if (action == default_action)
            continue;
        for (std::size_t k = 0; k < entry.names.size(); ++k) {
            const std::string& name = entry.names[k];
            if (name.empty())
                throw Error(path + ".names[" + std::to_string(k) + "]: empty syscall name");
            int nr = seccomp_syscall_resolve_name(name.c_str());
            if (nr == __NR_SCMP_ERROR) {
                // Most likely newer than this libseccomp; runc skips them too.
                log_debug("seccomp: unknown syscall " + name + " ignored");
                continue;
            }
            add_rule(filter.get(), action, nr, conditions, path, name);
        }
    }

    program.flags = to_flags(config.flags);
    if (!program.notify && (program.flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)) {
        // The kernel refuses the flag without a listener, and it means nothing without one.
        log_debug("seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ignored: no SCMP_ACT_NOTIFY rule");
        program.flags &= ~static_cast<unsigned int>(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
    }
    // TSYNC with NEW_LISTENER is EINVAL unless a failed sync reports ESRCH
    // instead of a thread id (the return value is the listener fd).
    if (program.notify && (program.flags & SECCOMP_FILTER_FLAG_TSYNC))
        program.flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;

    program.filter = export_bpf(filter.get());
    if (!lets_syscalls_through(default_action) && default_action != SCMP_ACT_ERRNO(ENOSYS)) {
        std::vector<struct sock_filter> stub = enosys_stub(syscall_limits(config, arches));
        program.filter.insert(program.filter.begin(), stub.begin(), stub.end());
    }
    if (program.filter.size() > BPF_MAXINSNS)
        throw Error(at + ": the BPF program has " + std::to_string(program.filter.size()) +
                    " instructions, more than the kernel's limit of " + std::to_string(BPF_MAXINSNS));
    return program;
}

int load_seccomp(const SeccompProgram& program)
{
    if (program.filter.empty() || program.filter.size() > BPF_MAXINSNS)
        throw Error("load seccomp filter: program of " + std::to_string(program.filter.size()) + " instructions");
    struct sock_fprog fprog;
    fprog.len = static_cast<unsigned short>(program.filter.size());
    fprog.filter = const_cast<struct sock_filter*>(program.filter.data());
    unsigned long flags = program.flags;
    if (program.notify)
        flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
    // From here on the filter applies: only the return below.
    if (rc < 0)
        throw_errno("load seccomp filter (flags " + std::to_string(flags) + ")");
    return program.notify ? static_cast<int>(rc) : -1;
}

} // namespace oci::sys
