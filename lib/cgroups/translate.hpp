// Pure translators from linux.resources to the ordered cgroup file writes
// that apply them: translate_v1 follows runc's cgroupfs (fs) driver,
// translate_v2 crun's and runc's cgroup2 conversions. Device rules have their
// own translators (devices.hpp, devices_v2_ebpf.hpp). The writes are applied
// by apply_writes (writer.hpp); nothing here touches the file system.
#pragma once

#include <oci/spec.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace oci::cgroups {

struct Write {
    std::string controller;   // v1 subsystem ("memory", "net_cls"); "" on cgroup2
    std::string file;         // "memory.limit_in_bytes"
    std::string value;        // one write(2); the writer adds the newline
    std::string resource;     // the JSON path errors name: "linux.resources.memory.limit"

    // When `file` does not exist, write `alias_value` (or `value` when empty)
    // to `alias` instead: the BFQ scheduler's names for the blkio/io weights.
    std::string alias;
    std::string alias_value;
    // The kernel may lack the file (kernel memory, cpu burst, hugetlb rsvd, an
    // absent swap when only "unlimited" is asked): skip with a debug note.
    bool skip_if_missing = false;
    // EINVAL may only mean the paired value comes next (a cfs period below
    // the current quota/period ratio, a memory limit above the current
    // memory+swap limit): retry once the next plain write has succeeded.
    bool retry_after_next = false;
    // Read the file back and fail when the kernel clamped the value
    // (cpu.shares outside 2..262144), as runc does.
    bool read_back = false;

    bool operator==(const Write&) const = default;
};

struct Plan {
    std::vector<Write> writes;
    std::vector<std::string> warnings;   // settings ignored on this cgroup version
};

// What translate_v1 needs to know of the cgroup as it is now.
struct V1State {
    // memory.limit_in_bytes now; decides whether the memory+swap limit is
    // written before or after the memory limit (unknown: limit first, retried
    // after the swap limit on EINVAL).
    std::optional<uint64_t> memory_limit;
};

// cgroup v1. Throws oci::Error for what v1 cannot express (`unified`, a
// swappiness above 100), naming the JSON path.
Plan translate_v1(const spec::Resources& resources, const V1State& state = {});

// cgroup v2 (controller "" in every write). Throws for settings v2 cannot
// honour that limit resources (realtime CPU, swap without a memory limit, a
// bad `unified` key); settings that only tune v1 (kernel memory, swappiness,
// disableOOMKiller, useHierarchy, leaf weights, net_cls/net_prio) become
// warnings.
Plan translate_v2(const spec::Resources& resources);

// Whether anything but device rules would be written: resources that need a
// cgroup controller, which a container without a cgroup of its own would
// silently run without.
bool limits_requested(const spec::Resources& resources);

// cpu.shares (2..262144, default 1024) to cpu.weight (1..10000, default 100)
// with the quadratic fit in log2(shares) that runc 1.3.2 / crun 1.23 adopted,
// so that the defaults map onto each other: 0 stays 0 (unset).
uint64_t shares_to_weight(uint64_t shares);

// blkio.weight (10..1000) to io.weight (1..10000), linearly as crun and runc.
uint64_t blkio_weight_to_io_weight(uint64_t weight);

// The value for memory.swap.max from the spec's memory+swap `swap` and the
// memory `limit` (cgroup2 limits swap alone): swap - limit; "max" for -1 (or
// for an unlimited memory with swap unset); nullopt when nothing is to be
// written. Throws when swap is set without a memory limit or below it.
std::optional<std::string> swap_to_v2(std::optional<int64_t> swap, std::optional<int64_t> limit);

// One rdma.max line: "mlx5_1 hca_handle=3 hca_object=1000".
std::string rdma_line(const std::string& device, const spec::RdmaLimit& limit);

} // namespace oci::cgroups
