// Writing `linux.resources`.
#include "spec/writers.hpp"

namespace oci::spec {

namespace {

using namespace json;

void write_device_rule(Writer& w, const DeviceCgroupRule& r)
{
    w.begin_object();
    w.key("allow");
    w.boolean(r.allow);
    text_field(w, "type", r.type);
    int_field(w, "major", r.major);
    int_field(w, "minor", r.minor);
    text_field(w, "access", r.access);
    w.end_object();
}

void write_memory(Writer& w, const MemoryResources& m)
{
    int_field(w, "limit", m.limit);
    int_field(w, "reservation", m.reservation);
    int_field(w, "swap", m.swap);
    int_field(w, "kernel", m.kernel);
    int_field(w, "kernelTCP", m.kernel_tcp);
    int_field(w, "swappiness", m.swappiness);
    bool_field(w, "disableOOMKiller", m.disable_oom_killer);
    bool_field(w, "useHierarchy", m.use_hierarchy);
    bool_field(w, "checkBeforeUpdate", m.check_before_update);
}

void write_cpu(Writer& w, const CpuResources& c)
{
    int_field(w, "shares", c.shares);
    int_field(w, "quota", c.quota);
    int_field(w, "burst", c.burst);
    int_field(w, "period", c.period);
    int_field(w, "realtimeRuntime", c.realtime_runtime);
    int_field(w, "realtimePeriod", c.realtime_period);
    text_field(w, "cpus", c.cpus);
    text_field(w, "mems", c.mems);
    int_field(w, "idle", c.idle);
}

void write_weight_device(Writer& w, const BlockIoWeightDevice& d)
{
    w.begin_object();
    int_field(w, "major", d.major);
    int_field(w, "minor", d.minor);
    int_field(w, "weight", d.weight);
    int_field(w, "leafWeight", d.leaf_weight);
    w.end_object();
}

void write_throttle_device(Writer& w, const BlockIoThrottleDevice& d)
{
    w.begin_object();
    int_field(w, "major", d.major);
    int_field(w, "minor", d.minor);
    int_field(w, "rate", d.rate);
    w.end_object();
}

void write_block_io(Writer& w, const BlockIoResources& io)
{
    int_field(w, "weight", io.weight);
    int_field(w, "leafWeight", io.leaf_weight);
    list_field(w, "weightDevice", io.weight_device, write_weight_device);
    list_field(w, "throttleReadBpsDevice", io.throttle_read_bps_device, write_throttle_device);
    list_field(w, "throttleWriteBpsDevice", io.throttle_write_bps_device, write_throttle_device);
    list_field(w, "throttleReadIOPSDevice", io.throttle_read_iops_device, write_throttle_device);
    list_field(w, "throttleWriteIOPSDevice", io.throttle_write_iops_device, write_throttle_device);
}

void write_hugepage_limit(Writer& w, const HugepageLimit& h)
{
    w.begin_object();
    w.key("pageSize");
    w.string(h.page_size);
    int_field(w, "limit", h.limit);
    w.end_object();
}

void write_network(Writer& w, const NetworkResources& n)
{
    int_field(w, "classID", n.class_id);
    list_field(w, "priorities", n.priorities, [](Writer& o, const NetworkPriority& p) {
        o.begin_object();
        o.key("name");
        o.string(p.name);
        int_field(o, "priority", p.priority);
        o.end_object();
    });
}

void write_rdma(Writer& w, const std::map<std::string, RdmaLimit>& rdma)
{
    if (rdma.empty())
        return;
    w.key("rdma");
    w.begin_object();
    for (const auto& [device, limit] : rdma) {
        w.key(device);
        w.begin_object();
        int_field(w, "hcaHandles", limit.hca_handles);
        int_field(w, "hcaObjects", limit.hca_objects);
        w.end_object();
    }
    w.end_object();
}

} // namespace

void detail::write_resources(Writer& w, const Resources& r)
{
    list_field(w, "devices", r.devices, write_device_rule);
    object_field(w, "memory", r.memory, write_memory);
    object_field(w, "cpu", r.cpu, write_cpu);
    object_field(w, "pids", r.pids, [](Writer& o, const PidsResources& p) { int_field(o, "limit", p.limit); });
    object_field(w, "blockIO", r.block_io, write_block_io);
    list_field(w, "hugepageLimits", r.hugepage_limits, write_hugepage_limit);
    object_field(w, "network", r.network, write_network);
    write_rdma(w, r.rdma);
    map_field(w, "unified", r.unified);
}

} // namespace oci::spec
