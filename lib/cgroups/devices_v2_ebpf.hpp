// cgroup v2 has no devices.allow: a BPF_PROG_TYPE_CGROUP_DEVICE program
// attached to the cgroup decides each access. The program is generated here
// from the same rule list v1 gets (devices.hpp), as raw instructions in the
// manner of systemd, runc's devicefilter and crun's ebpf.c:
//
//   r2 = type, r3 = access, r4 = major, r5 = minor      (prologue, 6 insns)
//   for each rule, last first:                         (later rules win)
//       if the request does not match: skip the block
//       r0 = allow ? 1 : 0; exit
//   r0 = 0; exit                                        (nothing matched: deny)
//
// An allow rule matches when every requested access is one it allows; a deny
// rule when any requested access is one it denies (so "deny w" refuses an
// O_RDWR open even when an earlier rule allows rw). A rule for all devices
// and all access ends the program: nothing before it can be reached.
#pragma once

#include "cgroups/devices.hpp"
#include "util/unique_fd.hpp"

#include <linux/bpf.h>

#include <vector>

namespace oci::cgroups {

std::vector<bpf_insn> device_filter_program(const std::vector<DeviceRule>& rules);

// BPF_PROG_LOAD; errors carry the verifier's log.
util::unique_fd load_device_filter(const std::vector<bpf_insn>& program);

// Attaches the program to the cgroup (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI)
// and then detaches the device programs that were attached before, so an
// update never leaves the cgroup without a filter.
void attach_device_filter(int cgroup_dir_fd, int program_fd);

// load + attach: the whole v2 devices step.
void apply_device_rules_v2(int cgroup_dir_fd, const std::vector<DeviceRule>& rules);

// Ids of the device programs attached to the cgroup now (BPF_PROG_QUERY).
std::vector<uint32_t> attached_device_programs(int cgroup_dir_fd);

} // namespace oci::cgroups
