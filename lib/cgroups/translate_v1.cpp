// linux.resources -> cgroup v1 file writes, in the order and with the
// conventions of runc's fs driver (a zero means "leave as is").
#include "cgroups/translate.hpp"

#include "spec/json_reader.hpp"

#include <oci/error.hpp>

namespace oci::cgroups {

namespace {

constexpr const char* kRes = "linux.resources";

class V1Builder {
public:
    explicit V1Builder(Plan& plan) : plan_(plan) {}

    Write& add(const std::string& controller, const std::string& file, const std::string& value,
               const std::string& resource)
    {
        Write w;
        w.controller = controller;
        w.file = file;
        w.value = value;
        w.resource = resource;
        plan_.writes.push_back(std::move(w));
        return plan_.writes.back();
    }

private:
    Plan& plan_;
};

std::string res(const std::string& a, const std::string& b = "")
{
    std::string p = spec::json::child_path(kRes, a);
    return b.empty() ? p : spec::json::child_path(p, b);
}

std::string dev(int64_t major, int64_t minor)
{
    return std::to_string(major) + ":" + std::to_string(minor);
}

void cpuset(V1Builder& b, const spec::CpuResources& cpu)
{
    if (!cpu.cpus.empty())
        b.add("cpuset", "cpuset.cpus", cpu.cpus, res("cpu", "cpus"));
    if (!cpu.mems.empty())
        b.add("cpuset", "cpuset.mems", cpu.mems, res("cpu", "mems"));
}

void memory(V1Builder& b, const spec::MemoryResources& m, const V1State& state)
{
    int64_t limit = m.limit.value_or(0);
    int64_t swap = m.swap.value_or(0);
    // runc: an unlimited memory with swap unset lifts the swap limit too, where
    // the kernel accounts swap at all.
    bool implicit_swap = limit == -1 && swap == 0;
    if (implicit_swap)
        swap = -1;

    auto write_limit = [&](bool retry) {
        b.add("memory", "memory.limit_in_bytes", std::to_string(limit), res("memory", "limit")).retry_after_next =
            retry;
    };
    auto write_swap = [&] {
        b.add("memory", "memory.memsw.limit_in_bytes", std::to_string(swap), res("memory", "swap")).skip_if_missing =
            implicit_swap;
    };
    // The kernel keeps memory.limit <= memory.memsw.limit at every step, so the
    // order depends on where the limits are now (runc's setMemoryAndSwap).
    if (limit != 0 && swap != 0) {
        if (!state.memory_limit) {
            write_limit(true);
            write_swap();
        } else if (swap == -1 || *state.memory_limit < static_cast<uint64_t>(swap)) {
            write_swap();
            write_limit(false);
        } else {
            write_limit(false);
            write_swap();
        }
    } else {
        if (limit != 0)
            write_limit(false);
        if (swap != 0)
            write_swap();
    }

    if (m.reservation && *m.reservation != 0)
        b.add("memory", "memory.soft_limit_in_bytes", std::to_string(*m.reservation), res("memory", "reservation"));
    // Kernel memory limits are gone from cgroup v1 since Linux 6.1 (the files
    // remain on some kernels and accept the write as a no-op).
    if (m.kernel && *m.kernel != 0)
        b.add("memory", "memory.kmem.limit_in_bytes", std::to_string(*m.kernel), res("memory", "kernel"))
            .skip_if_missing = true;
    if (m.kernel_tcp && *m.kernel_tcp != 0)
        b.add("memory", "memory.kmem.tcp.limit_in_bytes", std::to_string(*m.kernel_tcp), res("memory", "kernelTCP"))
            .skip_if_missing = true;
    if (m.swappiness) {
        if (*m.swappiness > 100)
            throw Error(res("memory", "swappiness") + ": " + std::to_string(*m.swappiness) +
                        " is out of range (0-100)");
        b.add("memory", "memory.swappiness", std::to_string(*m.swappiness), res("memory", "swappiness"));
    }
    if (m.disable_oom_killer.value_or(false))
        b.add("memory", "memory.oom_control", "1", res("memory", "disableOOMKiller"));
    if (m.use_hierarchy)
        b.add("memory", "memory.use_hierarchy", *m.use_hierarchy ? "1" : "0", res("memory", "useHierarchy"));
}

void cpu(V1Builder& b, const spec::CpuResources& c)
{
    if (c.shares && *c.shares != 0)
        b.add("cpu", "cpu.shares", std::to_string(*c.shares), res("cpu", "shares")).read_back = true;

    // A period below the current quota/period ratio of a parent is refused
    // until the quota follows; so is a burst above the current quota (runc).
    bool quota_follows = c.quota && *c.quota != 0;
    if (c.period && *c.period != 0)
        b.add("cpu", "cpu.cfs_period_us", std::to_string(*c.period), res("cpu", "period")).retry_after_next =
            quota_follows;
    if (c.burst) {
        Write& w = b.add("cpu", "cpu.cfs_burst_us", std::to_string(*c.burst), res("cpu", "burst"));
        w.retry_after_next = quota_follows;
        w.skip_if_missing = true;   // kernels before 5.14
    }
    if (quota_follows)
        b.add("cpu", "cpu.cfs_quota_us", std::to_string(*c.quota), res("cpu", "quota"));
    if (c.idle)
        b.add("cpu", "cpu.idle", std::to_string(*c.idle), res("cpu", "idle"));

    bool runtime_follows = c.realtime_runtime && *c.realtime_runtime != 0;
    if (c.realtime_period && *c.realtime_period != 0)
        b.add("cpu", "cpu.rt_period_us", std::to_string(*c.realtime_period), res("cpu", "realtimePeriod"))
            .retry_after_next = runtime_follows;
    if (runtime_follows)
        b.add("cpu", "cpu.rt_runtime_us", std::to_string(*c.realtime_runtime), res("cpu", "realtimeRuntime"));
}

void pids(V1Builder& b, const spec::PidsResources& p)
{
    b.add("pids", "pids.max", p.limit > 0 ? std::to_string(p.limit) : "max", res("pids", "limit"));
}

void throttle(V1Builder& b, const std::vector<spec::BlockIoThrottleDevice>& list, const char* key, const char* file)
{
    for (std::size_t i = 0; i < list.size(); ++i)
        b.add("blkio", file, dev(list[i].major, list[i].minor) + " " + std::to_string(list[i].rate),
              spec::json::index_path(res("blockIO", key), i));
}

void blkio(V1Builder& b, const spec::BlockIoResources& io)
{
    if (io.weight && *io.weight != 0) {
        Write& w = b.add("blkio", "blkio.weight", std::to_string(*io.weight), res("blockIO", "weight"));
        w.alias = "blkio.bfq.weight";
    }
    if (io.leaf_weight && *io.leaf_weight != 0)
        b.add("blkio", "blkio.leaf_weight", std::to_string(*io.leaf_weight), res("blockIO", "leafWeight"));
    for (std::size_t i = 0; i < io.weight_device.size(); ++i) {
        const auto& d = io.weight_device[i];
        std::string at = spec::json::index_path(res("blockIO", "weightDevice"), i);
        if (d.weight && *d.weight != 0) {
            Write& w = b.add("blkio", "blkio.weight_device", dev(d.major, d.minor) + " " + std::to_string(*d.weight),
                             spec::json::child_path(at, "weight"));
            w.alias = "blkio.bfq.weight_device";
        }
        if (d.leaf_weight && *d.leaf_weight != 0)
            b.add("blkio", "blkio.leaf_weight_device", dev(d.major, d.minor) + " " + std::to_string(*d.leaf_weight),
                  spec::json::child_path(at, "leafWeight"));
    }
    throttle(b, io.throttle_read_bps_device, "throttleReadBpsDevice", "blkio.throttle.read_bps_device");
    throttle(b, io.throttle_write_bps_device, "throttleWriteBpsDevice", "blkio.throttle.write_bps_device");
    throttle(b, io.throttle_read_iops_device, "throttleReadIOPSDevice", "blkio.throttle.read_iops_device");
    throttle(b, io.throttle_write_iops_device, "throttleWriteIOPSDevice", "blkio.throttle.write_iops_device");
}

void hugetlb(V1Builder& b, const std::vector<spec::HugepageLimit>& limits)
{
    for (std::size_t i = 0; i < limits.size(); ++i) {
        const auto& l = limits[i];
        std::string at = spec::json::index_path(res("hugepageLimits"), i);
        std::string prefix = "hugetlb." + l.page_size;
        b.add("hugetlb", prefix + ".limit_in_bytes", std::to_string(l.limit), at);
        // Reservations (Linux 5.7+) get the same limit, as runc does.
        b.add("hugetlb", prefix + ".rsvd.limit_in_bytes", std::to_string(l.limit), at).skip_if_missing = true;
    }
}

void network(V1Builder& b, const spec::NetworkResources& n)
{
    if (n.class_id && *n.class_id != 0)
        b.add("net_cls", "net_cls.classid", std::to_string(*n.class_id), res("network", "classID"));
    for (std::size_t i = 0; i < n.priorities.size(); ++i)
        b.add("net_prio", "net_prio.ifpriomap", n.priorities[i].name + " " + std::to_string(n.priorities[i].priority),
              spec::json::index_path(res("network", "priorities"), i));
}

} // namespace

std::string rdma_line(const std::string& device, const spec::RdmaLimit& limit)
{
    std::string line = device;
    if (limit.hca_handles)
        line += " hca_handle=" + std::to_string(*limit.hca_handles);
    if (limit.hca_objects)
        line += " hca_object=" + std::to_string(*limit.hca_objects);
    return line;
}

Plan translate_v1(const spec::Resources& r, const V1State& state)
{
    if (!r.unified.empty())
        throw Error(res("unified") + ": cannot be used on a cgroup v1 host");
    Plan plan;
    V1Builder b(plan);
    if (r.cpu)
        cpuset(b, *r.cpu);
    if (r.memory)
        memory(b, *r.memory, state);
    if (r.cpu)
        cpu(b, *r.cpu);
    if (r.pids)
        pids(b, *r.pids);
    if (r.block_io)
        blkio(b, *r.block_io);
    hugetlb(b, r.hugepage_limits);
    if (r.network)
        network(b, *r.network);
    for (const auto& [device, limit] : r.rdma)
        if (limit.hca_handles || limit.hca_objects)
            b.add("rdma", "rdma.max", rdma_line(device, limit), spec::json::child_path(res("rdma"), device));
    return plan;
}

} // namespace oci::cgroups
