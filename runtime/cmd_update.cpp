#include "commands.hpp"

#include <oci/error.hpp>

#include <cstdlib>

namespace ocirun {

namespace {

// "100m", "1G", "512k", "-1" (unlimited) or plain bytes, as runc's flags take them.
int64_t parse_bytes(const std::string& text, const std::string& flag)
{
    char* end = nullptr;
    long long v = std::strtoll(text.c_str(), &end, 10);
    std::string unit = end;
    long long scale = 1;
    if (unit == "k" || unit == "K" || unit == "kb" || unit == "KB" || unit == "KiB") scale = 1LL << 10;
    else if (unit == "m" || unit == "M" || unit == "mb" || unit == "MB" || unit == "MiB") scale = 1LL << 20;
    else if (unit == "g" || unit == "G" || unit == "gb" || unit == "GB" || unit == "GiB") scale = 1LL << 30;
    else if (unit != "" && unit != "b" && unit != "B") throw UsageError("invalid value \"" + text + "\" for --" + flag);
    if (text.empty() || end == text.c_str())
        throw UsageError("invalid value \"" + text + "\" for --" + flag);
    return v < 0 ? -1 : v * scale;
}

int64_t parse_int(const std::string& text, const std::string& flag)
{
    char* end = nullptr;
    long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0')
        throw UsageError("invalid value \"" + text + "\" for --" + flag);
    return v;
}

// Engines send a whole LinuxResources where a zero means "leave as is"
// (containerd's shim with `update --resources -`).
void drop_zeros(oci::spec::Resources& r)
{
    auto clear = [](auto& field) {
        if (field && *field == 0)
            field.reset();
    };
    if (r.memory) {
        clear(r.memory->limit);
        clear(r.memory->reservation);
        clear(r.memory->swap);
        clear(r.memory->kernel);
        clear(r.memory->kernel_tcp);
    }
    if (r.cpu) {
        clear(r.cpu->shares);
        clear(r.cpu->quota);
        clear(r.cpu->period);
        clear(r.cpu->realtime_runtime);
        clear(r.cpu->realtime_period);
        clear(r.cpu->burst);
    }
    if (r.pids && r.pids->limit == 0)
        r.pids.reset();
    if (r.block_io)
        clear(r.block_io->weight);
}

oci::spec::Resources read_resources(const std::string& source)
{
    std::string text = read_input(source);
    return oci::spec::parse_resources(text, source == "-" ? "stdin" : source);
}

} // namespace

std::vector<FlagSpec> update_flag_specs()
{
    return {
        {"resources", "r", true}, {"blkio-weight", "", true}, {"cpu-period", "", true},
        {"cpu-quota", "", true}, {"cpu-rt-period", "", true}, {"cpu-rt-runtime", "", true},
        {"cpu-share", "", true}, {"cpuset-cpus", "", true}, {"cpuset-mems", "", true},
        {"kernel-memory", "", true}, {"kernel-memory-tcp", "", true}, {"memory", "", true},
        {"memory-reservation", "", true}, {"memory-swap", "", true}, {"pids-limit", "", true},
        {"l3-cache-schema", "", true}, {"mem-bw-schema", "", true},
    };
}

int cmd_update(Context& ctx, const std::vector<std::string>& args)
{
    auto parsed = parse_args(args, update_flag_specs());
    require_args(parsed, 1, "update", "<container-id>");
    oci::spec::Resources r;
    if (auto source = parsed.value("resources"))
        r = read_resources(*source);
    auto mem = [&]() -> oci::spec::MemoryResources& { if (!r.memory) r.memory.emplace(); return *r.memory; };
    auto cpu = [&]() -> oci::spec::CpuResources& { if (!r.cpu) r.cpu.emplace(); return *r.cpu; };
    if (auto v = parsed.value("memory")) mem().limit = parse_bytes(*v, "memory");
    if (auto v = parsed.value("memory-reservation")) mem().reservation = parse_bytes(*v, "memory-reservation");
    if (auto v = parsed.value("memory-swap")) mem().swap = parse_bytes(*v, "memory-swap");
    if (auto v = parsed.value("kernel-memory")) mem().kernel = parse_bytes(*v, "kernel-memory");
    if (auto v = parsed.value("kernel-memory-tcp")) mem().kernel_tcp = parse_bytes(*v, "kernel-memory-tcp");
    if (auto v = parsed.value("cpu-share")) cpu().shares = static_cast<uint64_t>(parse_int(*v, "cpu-share"));
    if (auto v = parsed.value("cpu-quota")) cpu().quota = parse_int(*v, "cpu-quota");
    if (auto v = parsed.value("cpu-period")) cpu().period = static_cast<uint64_t>(parse_int(*v, "cpu-period"));
    if (auto v = parsed.value("cpu-rt-period")) cpu().realtime_period = static_cast<uint64_t>(parse_int(*v, "cpu-rt-period"));
    if (auto v = parsed.value("cpu-rt-runtime")) cpu().realtime_runtime = parse_int(*v, "cpu-rt-runtime");
    if (auto v = parsed.value("cpuset-cpus")) cpu().cpus = *v;
    if (auto v = parsed.value("cpuset-mems")) cpu().mems = *v;
    if (auto v = parsed.value("pids-limit")) r.pids = oci::spec::PidsResources{parse_int(*v, "pids-limit")};
    if (auto v = parsed.value("blkio-weight")) {
        if (!r.block_io) r.block_io.emplace();
        r.block_io->weight = static_cast<uint16_t>(parse_int(*v, "blkio-weight"));
    }
    if (parsed.value("l3-cache-schema") || parsed.value("mem-bw-schema"))
        throw oci::Error("update: Intel RDT is not supported");
    drop_zeros(r);
    oci::Runtime(ctx.runtime).update(parsed.positional[0], r);
    return 0;
}

} // namespace ocirun
