// The cgroup v2 device filter: program generation, loading and attaching.
#include "cgroups/devices_v2_ebpf.hpp"

#include <oci/error.hpp>
#include <oci/log.hpp>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace oci::cgroups {

namespace {

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

bpf_insn load_u32(uint8_t dst, int16_t off) { return insn(BPF_LDX | BPF_W | BPF_MEM, dst, BPF_REG_1, off, 0); }
bpf_insn alu32_imm(uint8_t op, uint8_t dst, int32_t imm) { return insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm); }
bpf_insn mov32_reg(uint8_t dst, uint8_t src) { return insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0); }
bpf_insn mov64_imm(uint8_t dst, int32_t imm) { return insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm); }
bpf_insn jmp_imm(uint8_t op, uint8_t dst, int32_t imm, int16_t off) { return insn(BPF_JMP | op | BPF_K, dst, 0, off, imm); }
bpf_insn jmp_reg(uint8_t op, uint8_t dst, uint8_t src, int16_t off) { return insn(BPF_JMP | op | BPF_X, dst, src, off, 0); }
bpf_insn exit_insn() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

int32_t access_bits(const std::string& access)
{
    int32_t bits = 0;
    for (char c : access) {
        if (c == 'r')
            bits |= BPF_DEVCG_ACC_READ;
        else if (c == 'w')
            bits |= BPF_DEVCG_ACC_WRITE;
        else if (c == 'm')
            bits |= BPF_DEVCG_ACC_MKNOD;
    }
    return bits;
}

constexpr int32_t kAllAccess = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;

// Appends one rule's block; returns false when the rule matches every request
// (so the rules before it are unreachable).
bool append_rule(std::vector<bpf_insn>& prog, const DeviceRule& rule)
{
    int32_t access = access_bits(rule.access);
    bool check_type = rule.type == 'b' || rule.type == 'c';
    bool check_access = access != kAllAccess;
    bool check_major = rule.major >= 0;
    bool check_minor = rule.minor >= 0;

    // Instructions after each test up to the end of the block (r0 = ..; exit).
    int16_t left = static_cast<int16_t>((check_type ? 1 : 0) + (check_access ? 3 : 0) + (check_major ? 1 : 0) +
                                        (check_minor ? 1 : 0) + 2);
    auto skip = [&](int16_t used) {
        left = static_cast<int16_t>(left - used);
        return left;
    };
    if (check_type)
        prog.push_back(jmp_imm(BPF_JNE, BPF_REG_2, rule.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
                               skip(1)));
    if (check_access) {
        prog.push_back(mov32_reg(BPF_REG_1, BPF_REG_3));
        prog.push_back(alu32_imm(BPF_AND, BPF_REG_1, access));
        if (rule.allow)
            prog.push_back(jmp_reg(BPF_JNE, BPF_REG_1, BPF_REG_3, skip(3)));   // not all requested allowed
        else
            prog.push_back(jmp_imm(BPF_JEQ, BPF_REG_1, 0, skip(3)));            // nothing requested denied
    }
    if (check_major)
        prog.push_back(jmp_imm(BPF_JNE, BPF_REG_4, static_cast<int32_t>(rule.major), skip(1)));
    if (check_minor)
        prog.push_back(jmp_imm(BPF_JNE, BPF_REG_5, static_cast<int32_t>(rule.minor), skip(1)));
    prog.push_back(mov64_imm(BPF_REG_0, rule.allow ? 1 : 0));
    prog.push_back(exit_insn());
    return check_type || check_access || check_major || check_minor;
}

long bpf(int cmd, bpf_attr* attr)
{
    return ::syscall(__NR_bpf, cmd, attr, sizeof *attr);
}

uint64_t ptr(const void* p)
{
    return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p));
}

} // namespace

std::vector<bpf_insn> device_filter_program(const std::vector<DeviceRule>& rules)
{
    std::vector<bpf_insn> prog = {
        load_u32(BPF_REG_2, 0),                  // access_type: (access << 16) | type
        alu32_imm(BPF_AND, BPF_REG_2, 0xFFFF),   // r2 = type
        load_u32(BPF_REG_3, 0),
        alu32_imm(BPF_RSH, BPF_REG_3, 16),       // r3 = access
        load_u32(BPF_REG_4, 4),                  // r4 = major
        load_u32(BPF_REG_5, 8),                  // r5 = minor
    };
    for (auto it = rules.rbegin(); it != rules.rend(); ++it)
        if (!append_rule(prog, *it))
            return prog;
    prog.push_back(mov64_imm(BPF_REG_0, 0));
    prog.push_back(exit_insn());
    return prog;
}

util::unique_fd load_device_filter(const std::vector<bpf_insn>& program)
{
    static const char license[] = "Apache-2.0";
    bpf_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = ptr(program.data());
    attr.insn_cnt = static_cast<uint32_t>(program.size());
    attr.license = ptr(license);
    util::unique_fd fd(static_cast<int>(bpf(BPF_PROG_LOAD, &attr)));
    if (fd)
        return fd;
    if (errno == EPERM) {
        // Before Linux 5.11 programs were charged to RLIMIT_MEMLOCK.
        rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
        if (::setrlimit(RLIMIT_MEMLOCK, &unlimited) == 0)
            fd.reset(static_cast<int>(bpf(BPF_PROG_LOAD, &attr)));
        if (fd)
            return fd;
    }
    int saved = errno;
    // Load once more with the verifier's log, for the error message.
    std::vector<char> log(65536, '\0');
    attr.log_level = 1;
    attr.log_buf = ptr(log.data());
    attr.log_size = static_cast<uint32_t>(log.size());
    fd.reset(static_cast<int>(bpf(BPF_PROG_LOAD, &attr)));
    if (fd)
        return fd;
    std::string verifier(log.data());
    while (!verifier.empty() && verifier.back() == '\n')
        verifier.pop_back();
    std::string what = "load the device cgroup eBPF program (" + std::to_string(program.size()) + " instructions)";
    if (!verifier.empty())
        what += " [verifier: " + verifier.substr(verifier.size() > 400 ? verifier.size() - 400 : 0) + "]";
    throw_errno(what, saved);
}

std::vector<uint32_t> attached_device_programs(int cgroup_dir_fd)
{
    for (uint32_t room = 64; room <= 65536; room *= 4) {
        std::vector<uint32_t> ids(room);
        bpf_attr attr;
        std::memset(&attr, 0, sizeof attr);
        attr.query.target_fd = static_cast<uint32_t>(cgroup_dir_fd);
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        attr.query.prog_ids = ptr(ids.data());
        attr.query.prog_cnt = room;
        if (bpf(BPF_PROG_QUERY, &attr) == 0) {
            ids.resize(attr.query.prog_cnt);
            return ids;
        }
        if (errno != ENOSPC)
            throw_errno("query the device programs of the cgroup");
    }
    throw Error("query the device programs of the cgroup: too many programs");
}

void attach_device_filter(int cgroup_dir_fd, int program_fd)
{
    std::vector<uint32_t> old = attached_device_programs(cgroup_dir_fd);

    bpf_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.target_fd = static_cast<uint32_t>(cgroup_dir_fd);
    attr.attach_bpf_fd = static_cast<uint32_t>(program_fd);
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    if (bpf(BPF_PROG_ATTACH, &attr) < 0)
        throw_errno("attach the device cgroup eBPF program");

    // The new filter is in force; the old ones would only narrow it further.
    for (uint32_t id : old) {
        std::memset(&attr, 0, sizeof attr);
        attr.prog_id = id;
        util::unique_fd old_fd(static_cast<int>(bpf(BPF_PROG_GET_FD_BY_ID, &attr)));
        if (!old_fd) {
            if (errno == ENOENT)
                continue;   // gone already
            throw_errno("open the replaced device program " + std::to_string(id));
        }
        std::memset(&attr, 0, sizeof attr);
        attr.target_fd = static_cast<uint32_t>(cgroup_dir_fd);
        attr.attach_bpf_fd = static_cast<uint32_t>(old_fd.get());
        attr.attach_type = BPF_CGROUP_DEVICE;
        if (bpf(BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
            throw_errno("detach the replaced device program " + std::to_string(id));
    }
}

void apply_device_rules_v2(int cgroup_dir_fd, const std::vector<DeviceRule>& rules)
{
    auto program = device_filter_program(rules);
    auto fd = load_device_filter(program);
    attach_device_filter(cgroup_dir_fd, fd.get());
    log_debug("device filter: " + std::to_string(rules.size()) + " rules, " + std::to_string(program.size()) +
              " eBPF instructions");
}

} // namespace oci::cgroups
