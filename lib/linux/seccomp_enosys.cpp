// The -ENOSYS stub in front of the seccomp filter (see the header for why).
#include "linux/seccomp_enosys.hpp"

#include <oci/error.hpp>

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include <cerrno>
#include <cstddef>
#include <map>
#include <optional>
#include <string>

namespace oci::sys {

namespace {

// x32 syscalls arrive as AUDIT_ARCH_X86_64 with this bit in the number.
constexpr uint32_t x32_syscall_bit = 0x40000000;

// A forward-only BPF assembler with labels; the stub is a few dozen
// instructions, so every conditional jump fits in its 8-bit offset.
class Assembler {
public:
    using Label = std::size_t;

    Label label()
    {
        bound_.push_back(std::nullopt);
        return bound_.size() - 1;
    }
    void bind(Label l) { bound_[l] = code_.size(); }

    void load(uint32_t offset) { emit(BPF_LD | BPF_W | BPF_ABS, offset); }
    void ret(uint32_t value) { emit(BPF_RET | BPF_K, value); }
    void jump(Label target)
    {
        fixups_.push_back({code_.size(), target, Fixup::k});
        emit(BPF_JMP | BPF_JA, 0);
    }
    // if (A <op> k) goto on_true else goto on_false; nullopt: the next instruction.
    void branch(uint16_t op, uint32_t k, std::optional<Label> on_true, std::optional<Label> on_false)
    {
        if (on_true)
            fixups_.push_back({code_.size(), *on_true, Fixup::jt});
        if (on_false)
            fixups_.push_back({code_.size(), *on_false, Fixup::jf});
        emit(BPF_JMP | op | BPF_K, k);
    }

    std::vector<struct sock_filter> finish()
    {
        for (const Fixup& f : fixups_) {
            if (!bound_[f.target] || *bound_[f.target] <= f.at)
                throw Error("seccomp ENOSYS stub: jump to an unbound or earlier label");
            std::size_t offset = *bound_[f.target] - f.at - 1;
            struct sock_filter& insn = code_[f.at];
            if (f.field == Fixup::k) {
                insn.k = static_cast<uint32_t>(offset);
                continue;
            }
            if (offset > 255)
                throw Error("seccomp ENOSYS stub: conditional jump of " + std::to_string(offset) + " instructions");
            (f.field == Fixup::jt ? insn.jt : insn.jf) = static_cast<uint8_t>(offset);
        }
        return code_;
    }

private:
    struct Fixup {
        std::size_t at;
        Label target;
        enum { jt, jf, k } field;
    };

    void emit(uint16_t code, uint32_t k) { code_.push_back({code, 0, 0, k}); }

    std::vector<struct sock_filter> code_;
    std::vector<std::optional<std::size_t>> bound_;
    std::vector<Fixup> fixups_;
};

// The limits of one AUDIT_ARCH_* value; x86_64 carries x32 too.
struct ArchLimits {
    std::optional<uint32_t> native;
    std::optional<uint32_t> x32;
};

} // namespace

std::vector<struct sock_filter> enosys_stub(const std::vector<SyscallLimit>& limits)
{
    if (limits.empty())
        return {};
    // SCMP_ARCH_* tokens are AUDIT_ARCH_* values, except X32's.
    std::map<uint32_t, ArchLimits> by_audit_arch;
    for (const SyscallLimit& l : limits) {
        if (l.arch == SCMP_ARCH_X32)
            by_audit_arch[AUDIT_ARCH_X86_64].x32 = l.max_nr;
        else
            by_audit_arch[l.arch].native = l.max_nr;
    }

    Assembler a;
    Assembler::Label enosys = a.label();
    Assembler::Label filter = a.label();
    std::vector<std::pair<uint32_t, Assembler::Label>> sections;
    for (const auto& entry : by_audit_arch)
        sections.emplace_back(entry.first, a.label());

    a.load(offsetof(struct seccomp_data, arch));
    for (const auto& [arch, section] : sections)
        a.branch(BPF_JEQ, arch, section, std::nullopt);
    a.jump(filter);

    for (const auto& [arch, section] : sections) {
        const ArchLimits& l = by_audit_arch[arch];
        a.bind(section);
        a.load(offsetof(struct seccomp_data, nr));
        if (arch == AUDIT_ARCH_S390 || arch == AUDIT_ARCH_S390X) {
            // Numbers the kernel does not know reach the filter as 0 (setup(2),
            // long gone, used to multiplex large numbers).
            a.branch(BPF_JEQ, 0, enosys, std::nullopt);
        }
        if (arch != AUDIT_ARCH_X86_64) {
            a.branch(BPF_JGT, *l.native, enosys, filter);
            continue;
        }
        // x86_64 and x32 share the arch value; the x32 bit tells them apart.
        // A mode without a limit goes to the filter, which decides (its
        // bad-arch action when x32 is not in it).
        Assembler::Label x32 = a.label();
        a.branch(BPF_JSET, x32_syscall_bit, l.x32 ? std::optional(x32) : std::optional(filter),
                 l.native ? std::nullopt : std::optional(filter));
        if (l.native)
            a.branch(BPF_JGT, *l.native, enosys, filter);
        a.bind(x32);
        if (l.x32)
            a.branch(BPF_JGT, *l.x32, enosys, filter);
    }
    a.bind(enosys);
    a.ret(SECCOMP_RET_ERRNO | ENOSYS);
    a.bind(filter);
    return a.finish();
}

} // namespace oci::sys
