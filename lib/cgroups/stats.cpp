// The stats model's JSON (runc's field names and omitempty rules), the
// parsers of the stat files, and the hugepage sizes of the host.
#include "cgroups/stats.hpp"

#include "cgroups/cgroup_fs.hpp"
#include "spec/json_writer.hpp"

#include <dirent.h>

#include <algorithm>
#include <sstream>

namespace oci::cgroups {

namespace {

using spec::json::Writer;

// Go's omitempty: a zero number or an empty list is left out.
void opt(Writer& w, const char* key, uint64_t v)
{
    if (v != 0) {
        w.key(key);
        w.integer(v);
    }
}

void num(Writer& w, const char* key, uint64_t v)
{
    w.key(key);
    w.integer(v);
}

template <class T> void opt_list(Writer& w, const char* key, const std::vector<T>& list)
{
    if (list.empty())
        return;
    w.key(key);
    w.begin_array();
    for (T v : list)
        w.integer(v);
    w.end_array();
}

void memory_entry(Writer& w, const char* key, const MemoryEntry& e)
{
    w.key(key);
    w.begin_object();
    num(w, "limit", e.limit);
    opt(w, "usage", e.usage);
    opt(w, "max", e.max);
    num(w, "failcnt", e.failcnt);
    w.end_object();
}

void blkio_list(Writer& w, const char* key, const std::vector<BlkioEntry>& list)
{
    if (list.empty())
        return;
    w.key(key);
    w.begin_array();
    for (const auto& e : list) {
        w.begin_object();
        opt(w, "major", e.major);
        opt(w, "minor", e.minor);
        if (!e.op.empty()) {
            w.key("op");
            w.string(e.op);
        }
        opt(w, "value", e.value);
        w.end_object();
    }
    w.end_array();
}

} // namespace

std::string to_json(const Stats& s)
{
    Writer w(false);
    w.begin_object();

    w.key("cpu");
    w.begin_object();
    w.key("usage");
    w.begin_object();
    opt(w, "total", s.cpu.total);
    opt_list(w, "percpu", s.cpu.percpu);
    opt_list(w, "percpu_kernel", s.cpu.percpu_kernel);
    opt_list(w, "percpu_user", s.cpu.percpu_user);
    num(w, "kernel", s.cpu.kernel);
    num(w, "user", s.cpu.user);
    w.end_object();
    w.key("throttling");
    w.begin_object();
    opt(w, "periods", s.cpu.periods);
    opt(w, "throttledPeriods", s.cpu.throttled_periods);
    opt(w, "throttledTime", s.cpu.throttled_time);
    w.end_object();
    w.end_object();

    w.key("cpuset");
    w.begin_object();
    opt_list(w, "cpus", s.cpuset.cpus);
    opt_list(w, "mems", s.cpuset.mems);
    for (const char* flag : {"cpu_exclusive", "mem_hardwall", "mem_exclusive", "memory_migrate", "memory_spread_page",
                             "memory_spread_slab", "memory_pressure", "sched_load_balance",
                             "sched_relax_domain_level"}) {
        auto it = s.cpuset.flags.find(flag);
        w.key(flag);
        w.integer(it == s.cpuset.flags.end() ? int64_t{0} : it->second);
    }
    w.end_object();

    w.key("memory");
    w.begin_object();
    opt(w, "cache", s.memory.cache);
    memory_entry(w, "usage", s.memory.usage);
    memory_entry(w, "swap", s.memory.swap);
    memory_entry(w, "kernel", s.memory.kernel);
    memory_entry(w, "kernelTCP", s.memory.kernel_tcp);
    if (!s.memory.raw.empty()) {
        w.key("raw");
        w.begin_object();
        for (const auto& [k, v] : s.memory.raw)
            num(w, k.c_str(), v);
        w.end_object();
    }
    w.end_object();

    w.key("pids");
    w.begin_object();
    opt(w, "current", s.pids.current);
    opt(w, "limit", s.pids.limit);
    w.end_object();

    w.key("blkio");
    w.begin_object();
    blkio_list(w, "ioServiceBytesRecursive", s.blkio.service_bytes);
    blkio_list(w, "ioServicedRecursive", s.blkio.serviced);
    w.end_object();

    w.key("hugetlb");
    w.begin_object();
    for (const auto& [size, h] : s.hugetlb) {
        w.key(size);
        w.begin_object();
        opt(w, "usage", h.usage);
        opt(w, "max", h.max);
        num(w, "failcnt", h.failcnt);
        w.end_object();
    }
    w.end_object();

    w.key("intel_rdt");
    w.begin_object();
    w.end_object();

    w.end_object();
    return w.text();
}

std::vector<uint16_t> parse_cpu_list(const std::string& text)
{
    std::vector<uint16_t> out;
    std::istringstream in(last_line(text));
    std::string part;
    while (std::getline(in, part, ',')) {
        try {
            auto dash = part.find('-');
            unsigned long first = std::stoul(part.substr(0, dash));
            unsigned long last = dash == std::string::npos ? first : std::stoul(part.substr(dash + 1));
            for (unsigned long i = first; i <= last && i <= 65535; ++i)
                out.push_back(static_cast<uint16_t>(i));
        } catch (const std::exception&) {
        }
    }
    return out;
}

std::vector<uint64_t> parse_numbers(const std::string& text)
{
    std::vector<uint64_t> out;
    std::istringstream in(text);
    std::string word;
    while (in >> word)
        out.push_back(parse_counter(word));
    return out;
}

namespace {

bool parse_device(const std::string& word, BlkioEntry& e)
{
    auto colon = word.find(':');
    if (colon == std::string::npos)
        return false;
    try {
        e.major = std::stoull(word.substr(0, colon));
        e.minor = std::stoull(word.substr(colon + 1));
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

} // namespace

std::vector<BlkioEntry> parse_blkio_v1(const std::string& text)
{
    std::vector<BlkioEntry> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string device, op, value;
        BlkioEntry e;
        // "Total 1234" (no device) is the sum of the others; runc leaves it out.
        if (!(words >> device >> op >> value) || !parse_device(device, e))
            continue;
        e.op = op;
        e.value = parse_counter(value);
        out.push_back(e);
    }
    return out;
}

void parse_io_stat(const std::string& text, std::vector<BlkioEntry>* bytes, std::vector<BlkioEntry>* ios)
{
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string device, field;
        BlkioEntry base;
        if (!(words >> device) || !parse_device(device, base))
            continue;
        while (words >> field) {
            auto eq = field.find('=');
            if (eq == std::string::npos)
                continue;
            std::string key = field.substr(0, eq);
            BlkioEntry e = base;
            e.value = parse_counter(field.substr(eq + 1));
            if (key == "rbytes" || key == "rios")
                e.op = "Read";
            else if (key == "wbytes" || key == "wios")
                e.op = "Write";
            else
                continue;
            bool is_bytes = key == "rbytes" || key == "wbytes";
            (is_bytes ? bytes : ios)->push_back(e);
        }
    }
}

std::vector<std::string> hugepage_sizes(const std::string& sysfs_dir)
{
    std::vector<std::pair<uint64_t, std::string>> sizes;
    DIR* d = ::opendir(sysfs_dir.c_str());
    if (d == nullptr)
        return {};
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;   // "hugepages-2048kB"
        const std::string prefix = "hugepages-";
        if (name.rfind(prefix, 0) != 0 || name.size() < prefix.size() + 3 || name.substr(name.size() - 2) != "kB")
            continue;
        uint64_t kb = parse_counter(name.substr(prefix.size(), name.size() - prefix.size() - 2));
        if (kb == 0)
            continue;
        std::string label;
        if (kb % (1024 * 1024) == 0)
            label = std::to_string(kb / (1024 * 1024)) + "GB";
        else if (kb % 1024 == 0)
            label = std::to_string(kb / 1024) + "MB";
        else
            label = std::to_string(kb) + "KB";
        sizes.emplace_back(kb, label);
    }
    ::closedir(d);
    std::sort(sizes.begin(), sizes.end());
    std::vector<std::string> out;
    for (auto& s : sizes)
        out.push_back(s.second);
    return out;
}

} // namespace oci::cgroups
