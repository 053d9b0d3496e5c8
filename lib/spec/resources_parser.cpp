// Reading `linux.resources` (or resources.json on its own, for `update
// --resources`) into spec::Resources.
#include "spec/parsers.hpp"
#include "spec/validate.hpp"

namespace oci::spec {

namespace detail {

namespace {

DeviceCgroupRule read_device_rule(const json::Node& node)
{
    DeviceCgroupRule rule;
    node.read_required("allow", rule.allow);
    node.read("type", rule.type);
    node.read("major", rule.major);
    node.read("minor", rule.minor);
    node.read("access", rule.access);
    return rule;
}

MemoryResources read_memory(const json::Node& node)
{
    MemoryResources memory;
    node.read("limit", memory.limit);
    node.read("reservation", memory.reservation);
    node.read("swap", memory.swap);
    node.read("kernel", memory.kernel);
    node.read("kernelTCP", memory.kernel_tcp);
    node.read("swappiness", memory.swappiness);
    node.read("disableOOMKiller", memory.disable_oom_killer);
    node.read("useHierarchy", memory.use_hierarchy);
    node.read("checkBeforeUpdate", memory.check_before_update);
    return memory;
}

CpuResources read_cpu(const json::Node& node)
{
    CpuResources cpu;
    node.read("shares", cpu.shares);
    node.read("quota", cpu.quota);
    node.read("burst", cpu.burst);
    node.read("period", cpu.period);
    node.read("realtimeRuntime", cpu.realtime_runtime);
    node.read("realtimePeriod", cpu.realtime_period);
    node.read("cpus", cpu.cpus);
    node.read("mems", cpu.mems);
    node.read("idle", cpu.idle);
    return cpu;
}

PidsResources read_pids(const json::Node& node)
{
    PidsResources pids;
    node.read_required("limit", pids.limit);
    return pids;
}

BlockIoWeightDevice read_weight_device(const json::Node& node)
{
    BlockIoWeightDevice device;
    node.read_required("major", device.major);
    node.read_required("minor", device.minor);
    node.read("weight", device.weight);
    node.read("leafWeight", device.leaf_weight);
    return device;
}

BlockIoThrottleDevice read_throttle_device(const json::Node& node)
{
    BlockIoThrottleDevice device;
    node.read_required("major", device.major);
    node.read_required("minor", device.minor);
    node.read("rate", device.rate);
    return device;
}

BlockIoResources read_block_io(const json::Node& node)
{
    BlockIoResources io;
    node.read("weight", io.weight);
    node.read("leafWeight", io.leaf_weight);
    io.weight_device = node.read_each("weightDevice", read_weight_device);
    io.throttle_read_bps_device = node.read_each("throttleReadBpsDevice", read_throttle_device);
    io.throttle_write_bps_device = node.read_each("throttleWriteBpsDevice", read_throttle_device);
    io.throttle_read_iops_device = node.read_each("throttleReadIOPSDevice", read_throttle_device);
    io.throttle_write_iops_device = node.read_each("throttleWriteIOPSDevice", read_throttle_device);
    return io;
}

HugepageLimit read_hugepage_limit(const json::Node& node)
{
    HugepageLimit limit;
    node.read_required("pageSize", limit.page_size);
    node.read_required("limit", limit.limit);
    return limit;
}

NetworkPriority read_network_priority(const json::Node& node)
{
    NetworkPriority priority;
    node.read_required("name", priority.name);
    node.read_required("priority", priority.priority);
    return priority;
}

NetworkResources read_network(const json::Node& node)
{
    NetworkResources network;
    node.read("classID", network.class_id);
    network.priorities = node.read_each("priorities", read_network_priority);
    return network;
}

RdmaLimit read_rdma_limit(const json::Node& node)
{
    RdmaLimit limit;
    node.read("hcaHandles", limit.hca_handles);
    node.read("hcaObjects", limit.hca_objects);
    return limit;
}

} // namespace

Resources read_resources(const json::Node& node)
{
    Resources resources;
    resources.devices = node.read_each("devices", read_device_rule);
    if (auto memory = node.get("memory"))
        resources.memory = read_memory(*memory);
    if (auto cpu = node.get("cpu"))
        resources.cpu = read_cpu(*cpu);
    if (auto pids = node.get("pids"))
        resources.pids = read_pids(*pids);
    if (auto io = node.get("blockIO"))
        resources.block_io = read_block_io(*io);
    resources.hugepage_limits = node.read_each("hugepageLimits", read_hugepage_limit);
    if (auto network = node.get("network"))
        resources.network = read_network(*network);
    if (auto rdma = node.get("rdma"))
        for (const auto& [device, limit] : rdma->members())
            resources.rdma[device] = read_rdma_limit(limit);
    node.read("unified", resources.unified);
    return resources;
}

} // namespace detail

Resources parse_resources(const std::string& json_text, const std::string& source_name)
{
    json::Value document = json::parse(json_text, source_name);
    Resources resources = detail::read_resources(json::Node(document, source_name));
    validate_resources(resources, source_name, "");
    return resources;
}

} // namespace oci::spec
