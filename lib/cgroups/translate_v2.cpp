// linux.resources -> cgroup2 file writes, converting v1-shaped values the way
// crun and runc do (shares -> weight, memory+swap -> swap, blkio -> io weight).
#include "cgroups/translate.hpp"

#include "spec/json_reader.hpp"

#include <oci/error.hpp>

#include <cmath>
#include <vector>

namespace oci::cgroups {

namespace {

constexpr const char* kRes = "linux.resources";

std::string res(const std::string& a, const std::string& b = "")
{
    std::string p = spec::json::child_path(kRes, a);
    return b.empty() ? p : spec::json::child_path(p, b);
}

class V2Builder {
public:
    explicit V2Builder(Plan& plan) : plan_(plan) {}

    Write& add(const std::string& file, const std::string& value, const std::string& resource)
    {
        Write w;
        w.file = file;
        w.value = value;
        w.resource = resource;
        plan_.writes.push_back(std::move(w));
        return plan_.writes.back();
    }

    void ignored(const std::string& resource)
    {
        plan_.warnings.push_back(resource + ": not supported on cgroup v2, ignored");
    }

private:
    Plan& plan_;
};

// .max/.low/.high files spell "unlimited" as "max".
std::string limit_value(int64_t v)
{
    return v < 0 ? "max" : std::to_string(v);
}

void memory(V2Builder& b, const spec::MemoryResources& m)
{
    // Swap first, as runc: memory.max and memory.swap.max are independent.
    if (auto swap = swap_to_v2(m.swap, m.limit)) {
        Write& w = b.add("memory.swap.max", *swap, res("memory", "swap"));
        // No swap accounting: "unlimited" or "none" asks nothing of the kernel.
        w.skip_if_missing = *swap == "max" || *swap == "0";
    }
    if (m.limit && *m.limit != 0)
        b.add("memory.max", limit_value(*m.limit), res("memory", "limit"));
    if (m.reservation && *m.reservation != 0)
        b.add("memory.low", limit_value(*m.reservation), res("memory", "reservation"));
    if (m.kernel)
        b.ignored(res("memory", "kernel"));
    if (m.kernel_tcp)
        b.ignored(res("memory", "kernelTCP"));
    if (m.swappiness)
        b.ignored(res("memory", "swappiness"));
    if (m.disable_oom_killer.value_or(false))
        b.ignored(res("memory", "disableOOMKiller"));
    if (m.use_hierarchy)
        b.ignored(res("memory", "useHierarchy"));
}

void cpu(V2Builder& b, const spec::CpuResources& c)
{
    if (c.realtime_runtime && *c.realtime_runtime != 0)
        throw Error(res("cpu", "realtimeRuntime") + ": not supported on cgroup v2");
    if (c.realtime_period && *c.realtime_period != 0)
        throw Error(res("cpu", "realtimePeriod") + ": not supported on cgroup v2");

    // cpu.weight cannot be written while cpu.idle is 1; idle goes first (runc).
    if (c.idle)
        b.add("cpu.idle", std::to_string(*c.idle), res("cpu", "idle"));
    if (c.shares && *c.shares != 0)
        b.add("cpu.weight", std::to_string(shares_to_weight(*c.shares)), res("cpu", "shares"));

    bool quota = c.quota && *c.quota != 0;
    bool period = c.period && *c.period != 0;
    if (c.burst)
        // A burst above the current quota is refused until cpu.max follows.
        b.add("cpu.max.burst", std::to_string(*c.burst), res("cpu", "burst")).retry_after_next = quota || period;
    if (quota || period) {
        // Without a period the kernel keeps the current one (runc), so an
        // update of the quota alone does not reset a configured period.
        std::string value = quota && *c.quota > 0 ? std::to_string(*c.quota) : "max";
        if (period)
            value += " " + std::to_string(*c.period);
        b.add("cpu.max", value, res("cpu", quota ? "quota" : "period"));
    }
    if (!c.cpus.empty())
        b.add("cpuset.cpus", c.cpus, res("cpu", "cpus"));
    if (!c.mems.empty())
        b.add("cpuset.mems", c.mems, res("cpu", "mems"));
}

std::string dev(int64_t major, int64_t minor)
{
    return std::to_string(major) + ":" + std::to_string(minor);
}

// io.max takes every limit of a device on one line: "8:0 rbps=1048576 wiops=100".
void io_max(V2Builder& b, const spec::BlockIoResources& io)
{
    struct Line {
        int64_t major, minor;
        std::string keys;
        std::string resource;
    };
    std::vector<Line> lines;
    auto collect = [&](const std::vector<spec::BlockIoThrottleDevice>& list, const char* json_key, const char* key) {
        for (std::size_t i = 0; i < list.size(); ++i) {
            const auto& d = list[i];
            Line* line = nullptr;
            for (auto& l : lines)
                if (l.major == d.major && l.minor == d.minor)
                    line = &l;
            if (line == nullptr) {
                lines.push_back({d.major, d.minor, "", spec::json::index_path(res("blockIO", json_key), i)});
                line = &lines.back();
            }
            line->keys += std::string(" ") + key + "=" + std::to_string(d.rate);
        }
    };
    collect(io.throttle_read_bps_device, "throttleReadBpsDevice", "rbps");
    collect(io.throttle_write_bps_device, "throttleWriteBpsDevice", "wbps");
    collect(io.throttle_read_iops_device, "throttleReadIOPSDevice", "riops");
    collect(io.throttle_write_iops_device, "throttleWriteIOPSDevice", "wiops");
    for (const auto& l : lines)
        b.add("io.max", dev(l.major, l.minor) + l.keys, l.resource);
}

void io(V2Builder& b, const spec::BlockIoResources& io)
{
    if (io.weight && *io.weight != 0) {
        // BFQ takes the v1 range as is; otherwise io.weight in its own range.
        Write& w = b.add("io.bfq.weight", std::to_string(*io.weight), res("blockIO", "weight"));
        w.alias = "io.weight";
        w.alias_value = std::to_string(blkio_weight_to_io_weight(*io.weight));
    }
    if (io.leaf_weight && *io.leaf_weight != 0)
        b.ignored(res("blockIO", "leafWeight"));
    for (std::size_t i = 0; i < io.weight_device.size(); ++i) {
        const auto& d = io.weight_device[i];
        std::string at = spec::json::index_path(res("blockIO", "weightDevice"), i);
        if (d.weight && *d.weight != 0)
            b.add("io.bfq.weight", dev(d.major, d.minor) + " " + std::to_string(*d.weight),
                  spec::json::child_path(at, "weight"));
        if (d.leaf_weight && *d.leaf_weight != 0)
            b.ignored(spec::json::child_path(at, "leafWeight"));
    }
    io_max(b, io);
}

void hugetlb(V2Builder& b, const std::vector<spec::HugepageLimit>& limits)
{
    for (std::size_t i = 0; i < limits.size(); ++i) {
        const auto& l = limits[i];
        std::string at = spec::json::index_path(res("hugepageLimits"), i);
        b.add("hugetlb." + l.page_size + ".max", std::to_string(l.limit), at);
        b.add("hugetlb." + l.page_size + ".rsvd.max", std::to_string(l.limit), at).skip_if_missing = true;
    }
}

// `unified` goes last, so it overrides what the typed fields wrote (crun).
void unified(V2Builder& b, const spec::StringMap& entries)
{
    for (const auto& [key, value] : entries) {
        std::string at = spec::json::child_path(res("unified"), key);
        if (key.find('/') != std::string::npos || key.find("..") != std::string::npos || key.empty())
            throw Error(at + ": the key must be a file name in the container's cgroup");
        if (key.find('.') == std::string::npos)
            throw Error(at + ": the key must have the form <controller>.<file>");
        // One write per line: io.max and rdma.max take one device per write.
        std::string::size_type start = 0;
        while (start < value.size()) {
            auto end = value.find('\n', start);
            if (end == std::string::npos)
                end = value.size();
            if (end > start)
                b.add(key, value.substr(start, end - start), at);
            start = end + 1;
        }
    }
}

} // namespace

uint64_t shares_to_weight(uint64_t shares)
{
    if (shares == 0)
        return 0;
    if (shares <= 2)
        return 1;
    if (shares >= 262144)
        return 10000;
    // Quadratic in log2(shares) through (2, 1), (1024, 100) and (262144, 10000).
    double l = std::log2(static_cast<double>(shares));
    double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
    return static_cast<uint64_t>(std::ceil(std::pow(10.0, exponent)));
}

uint64_t blkio_weight_to_io_weight(uint64_t weight)
{
    if (weight == 0)
        return 0;
    if (weight < 10)
        weight = 10;
    return 1 + (weight - 10) * 9999 / 990;
}

std::optional<std::string> swap_to_v2(std::optional<int64_t> swap_in, std::optional<int64_t> limit_in)
{
    int64_t swap = swap_in.value_or(0);
    int64_t limit = limit_in.value_or(0);
    const std::string at = res("memory", "swap");
    if (swap == 0)
        // runc: an unlimited memory with swap unset means swap unlimited too.
        return limit == -1 ? std::optional<std::string>("max") : std::nullopt;
    if (swap == -1)
        return "max";
    if (swap < 0)
        throw Error(at + ": " + std::to_string(swap) + " is not a limit (use -1 for unlimited)");
    if (limit == -1)
        return std::to_string(swap);   // memory unlimited: the whole allowance is swap
    if (limit == 0)
        throw Error(at + ": a swap limit needs a memory limit (linux.resources.memory.limit)");
    if (limit < 0)
        throw Error(res("memory", "limit") + ": " + std::to_string(limit) + " is not a limit");
    if (swap < limit)
        throw Error(at + ": the memory+swap limit " + std::to_string(swap) + " is below the memory limit " +
                    std::to_string(limit));
    return std::to_string(swap - limit);
}

Plan translate_v2(const spec::Resources& r)
{
    Plan plan;
    V2Builder b(plan);
    if (r.memory)
        memory(b, *r.memory);
    if (r.pids)
        b.add("pids.max", r.pids->limit > 0 ? std::to_string(r.pids->limit) : "max", res("pids", "limit"));
    if (r.cpu)
        cpu(b, *r.cpu);
    if (r.block_io)
        io(b, *r.block_io);
    hugetlb(b, r.hugepage_limits);
    if (r.network && (r.network->class_id || !r.network->priorities.empty()))
        b.ignored(res("network"));
    for (const auto& [device, limit] : r.rdma)
        if (limit.hca_handles || limit.hca_objects)
            b.add("rdma.max", rdma_line(device, limit), spec::json::child_path(res("rdma"), device));
    unified(b, r.unified);
    return plan;
}

} // namespace oci::cgroups
