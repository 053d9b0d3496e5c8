// The cgroupfs driver for unified (cgroup2-only) hosts: one directory, its
// ancestors delegating the controllers, devices through an eBPF filter.
#include "cgroups/cgroup_fs.hpp"
#include "cgroups/devices.hpp"
#include "cgroups/devices_v2_ebpf.hpp"
#include "cgroups/driver.hpp"
#include "cgroups/stats.hpp"
#include "cgroups/writer.hpp"
#include "util/strings.hpp"
#include "util/unique_fd.hpp"

#include <oci/error.hpp>
#include <oci/log.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <csignal>
#include <thread>

namespace oci::cgroups {

namespace {

std::optional<std::string> read_if_present(const std::string& path)
{
    try {
        return read_cgroup_file(path);
    } catch (const Error& e) {
        if (e.code() == ENOENT || e.code() == ENOTDIR)
            return std::nullopt;
        throw;
    }
}

using util::words;

util::unique_fd open_dir(const std::string& dir, int flags)
{
    util::unique_fd fd(::open(dir.c_str(), flags | O_DIRECTORY | O_CLOEXEC));
    if (!fd)
        throw_errno("open cgroup " + dir);
    return fd;
}

void write_file(const std::string& dir, const std::string& file, const std::string& value)
{
    auto fd = open_dir(dir, O_PATH);
    if (int err = write_cgroup_file(fd.get(), file, value))
        throw_errno("write " + value + " to " + dir + "/" + file, err);
}

// Delegates to `dir`'s children every controller `dir` has and does not
// delegate yet. A controller the kernel refuses here (a threaded subtree, a
// parent with processes) is left out rather than failing the container:
// its limits will then fail, naming the file.
void enable_controllers(const std::string& dir)
{
    auto available = read_if_present(dir + "/cgroup.controllers");
    auto enabled = read_if_present(dir + "/cgroup.subtree_control");
    if (!available || !enabled)
        return;
    auto on = words(last_line(*enabled));
    std::vector<std::string> missing;
    for (const auto& c : words(last_line(*available)))
        if (std::find(on.begin(), on.end(), c) == on.end())
            missing.push_back(c);
    if (missing.empty())
        return;
    auto fd = open_dir(dir, O_PATH);
    std::string all;
    for (const auto& c : missing)
        all += (all.empty() ? "+" : " +") + c;
    if (write_cgroup_file(fd.get(), "cgroup.subtree_control", all) == 0)
        return;
    for (const auto& c : missing)
        if (int err = write_cgroup_file(fd.get(), "cgroup.subtree_control", "+" + c))
            log_debug("cannot enable the " + c + " controller in " + dir + ": " + std::strerror(err));
}

class V2Driver final : public Driver {
public:
    V2Driver(const Layout& layout, const Placement& placement, const DriverOptions& options)
        : layout_(layout), placement_(placement), options_(options)
    {
        if (!layout.unified)
            throw Error("no cgroup2 hierarchy on this host");
        auto it = placement.find(layout.unified->dir);
        if (it == placement.end())
            throw Error("cgroup placement names no cgroup2 hierarchy");
        base_ = layout.unified->dir.empty() ? options.root : options.root + "/" + layout.unified->dir;
        dir_ = base_ + it->second;
    }

    Mode mode() const override { return Mode::unified; }
    const Layout& layout() const override { return layout_; }
    const Placement& placement() const override { return placement_; }

    void create() override
    {
        if (!options_.join_populated && ::access(dir_.c_str(), F_OK) == 0) {
            auto procs = read_procs(dir_, true);
            if (!procs.empty())
                throw Error("cgroup " + dir_ + " already holds " + std::to_string(procs.size()) + " process(es)");
            if (frozen())
                throw Error("cgroup " + dir_ + " is frozen");
        }
        std::vector<std::string> created;
        try {
            make_cgroup_path(base_, dir_.substr(base_.size()), &created,
                             [&](const std::string& parent, const std::string&, bool) {
                                 if (options_.enable_controllers)
                                     enable_controllers(parent);
                             });
            clone_fd_ = open_dir(dir_, O_PATH);
        } catch (...) {
            for (auto it = created.rbegin(); it != created.rend(); ++it)
                ::rmdir(it->c_str());
            throw;
        }
    }

    void apply(const spec::Resources& r) override { write_resources(r, !options_.skip_devices); }
    void update(const spec::Resources& r) override
    {
        write_resources(r, !options_.skip_devices && !r.devices.empty());
    }

    void add_process(pid_t pid) override { move_pid(dir_, pid); }

    int dir_fd_for_clone() const override
    {
        if (!clone_fd_)
            clone_fd_ = open_dir(dir_, O_PATH);
        return clone_fd_.get();
    }

    std::vector<TasksFile> open_tasks_files() const override { return {}; }

    void freeze() override { set_frozen(true); }
    void thaw() override { set_frozen(false); }

    bool frozen() const override { return event("frozen") == "1"; }

    std::vector<pid_t> pids() const override
    {
        if (::access(dir_.c_str(), F_OK) != 0)
            return {};
        return read_procs(dir_, true);
    }

    void kill_all(int signal) override
    {
        // cgroup.kill (Linux 5.14) kills the whole subtree, even processes
        // forking meanwhile.
        if (signal == SIGKILL && ::access((dir_ + "/cgroup.kill").c_str(), F_OK) == 0) {
            write_file(dir_, "cgroup.kill", "1");
            return;
        }
        signal_each(signal);
    }

    void destroy() override
    {
        clone_fd_.reset();
        remove_cgroup(dir_, [this] {
            try {
                kill_all(SIGKILL);
            } catch (const Error& err) {
                log_debug(std::string("destroy: ") + err.what());
            }
        });
    }

    std::string stats_json() const override
    {
        auto read = [this](const std::string&, const std::string& file) { return read_if_present(dir_ + "/" + file); };
        return to_json(read_stats_v2(read, hugepage_sizes(options_.hugepages_sysfs)));
    }

    std::unique_ptr<OomWatcher> watch_oom() const override
    {
        if (::access((dir_ + "/memory.events").c_str(), F_OK) != 0)
            return nullptr;
        return watch_oom_v2(dir_);
    }

    bool empty() const override
    {
        std::string populated = event("populated");
        if (!populated.empty())
            return populated == "0";
        return pids().empty();
    }

private:
    // A key of cgroup.events ("" when absent).
    std::string event(const std::string& key) const
    {
        auto text = read_if_present(dir_ + "/cgroup.events");
        if (!text)
            return "";
        auto kv = parse_keyed(*text);
        auto it = kv.find(key);
        return it == kv.end() ? "" : last_line(it->second);
    }

    void set_frozen(bool freeze)
    {
        const std::string want = freeze ? "1" : "0";
        write_file(dir_, "cgroup.freeze", want);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.freeze_timeout_ms);
        for (int i = 0; event("frozen") != want; ++i) {
            if (std::chrono::steady_clock::now() > deadline) {
                if (freeze)
                    write_file(dir_, "cgroup.freeze", "0");
                throw Error(std::string(freeze ? "freeze " : "thaw ") + dir_ + ": cgroup.events did not report frozen " +
                            want + " within " + std::to_string(options_.freeze_timeout_ms) + " ms");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(i < 10 ? 1 : 10));
        }
    }

    // crun's checkBeforeUpdate: refuse limits below what the cgroup uses now.
    void check_memory_usage(const spec::MemoryResources& m)
    {
        uint64_t usage = parse_counter(read_cgroup_file(dir_ + "/memory.current"));
        if (auto swap = read_if_present(dir_ + "/memory.swap.current"))
            usage += parse_counter(*swap);
        uint64_t limit = 0;
        if (m.limit && *m.limit >= 0)
            limit = static_cast<uint64_t>(*m.limit);
        if (m.swap && *m.swap >= 0)
            limit += static_cast<uint64_t>(*m.swap);
        if (limit != 0 && limit <= usage)
            throw Error("linux.resources.memory.limit: " + std::to_string(limit) +
                        " is not above the current memory+swap usage " + std::to_string(usage) +
                        " (checkBeforeUpdate)");
    }

    void write_resources(const spec::Resources& r, bool devices)
    {
        Plan plan = translate_v2(r);
        if (r.memory && r.memory->check_before_update.value_or(false))
            check_memory_usage(*r.memory);
        for (const auto& w : plan.warnings)
            log_warning(w);
        if (devices) {
            auto rules = container_device_rules(r.devices);
            auto fd = open_dir(dir_, O_RDONLY);
            try {
                apply_device_rules_v2(fd.get(), rules);
            } catch (const Error& e) {
                // crun: without privileges the device policy is best effort.
                if (::geteuid() == 0)
                    throw e.with_context("linux.resources.devices");
                log_warning(std::string("linux.resources.devices: not applied: ") + e.what());
            }
        }
        auto fd = open_dir(dir_, O_PATH);
        apply_writes(plan.writes, [&](const std::string&) { return fd.get(); });
    }

    Layout layout_;
    Placement placement_;
    DriverOptions options_;
    std::string base_;
    std::string dir_;
    mutable util::unique_fd clone_fd_;
};

} // namespace

std::unique_ptr<Driver> make_v2_driver(const Layout& layout, const Placement& placement, const DriverOptions& options)
{
    return std::make_unique<V2Driver>(layout, placement, options);
}

} // namespace oci::cgroups
