// The cgroupfs driver for v1 and hybrid hosts: the container gets a cgroup in
// every v1 hierarchy (named ones such as name=systemd too, as runc and crun
// join them) and, on a hybrid host, in the cgroup2 hierarchy as well, where
// its processes are counted and cgroup.kill can end them at once.
#include "cgroups/cgroup_fs.hpp"
#include "cgroups/devices.hpp"
#include "cgroups/driver.hpp"
#include "cgroups/stats.hpp"
#include "cgroups/writer.hpp"
#include "util/unique_fd.hpp"

#include <oci/error.hpp>
#include <oci/log.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

namespace oci::cgroups {

namespace {

struct Entry {
    Hierarchy hierarchy;
    std::string dir;   // absolute directory of the container's cgroup there
};

bool exists(const std::string& path)
{
    return ::access(path.c_str(), F_OK) == 0;
}

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

// A new v1 cpuset starts with no CPUs and no memory nodes, and no task can
// join it so; give it its parent's, as runc does. A directory that
// is only a parent (`holds_containers`) is marked so that the kernel copies them
// into the children made below it, which then need just the two reads.
void init_cpuset(const std::string& parent, const std::string& dir, bool holds_containers)
{
    util::unique_fd fd;
    auto dir_fd = [&] {
        if (!fd)
            fd.reset(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!fd)
            throw_errno("open cgroup " + dir);
        return fd.get();
    };
    for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
        auto mine = read_if_present(dir + "/" + file);
        if (!mine || !last_line(*mine).empty())
            continue;   // a test tree without the file, or already set
        auto theirs = read_if_present(parent + "/" + file);
        if (!theirs || last_line(*theirs).empty())
            continue;
        if (int err = write_cgroup_file(dir_fd(), file, last_line(*theirs)))
            throw_errno("write " + last_line(*theirs) + " to " + dir + "/" + file, err);
    }
    if (holds_containers)
        if (int err = write_cgroup_file(dir_fd(), "cgroup.clone_children", "1"))
            log_debug("write 1 to " + dir + "/cgroup.clone_children: " + std::strerror(err));
}

class V1Driver final : public Driver {
public:
    V1Driver(const Layout& layout, const Placement& placement, const DriverOptions& options)
        : layout_(layout), placement_(placement), options_(options)
    {
        auto add = [&](const Hierarchy& h) {
            auto it = placement.find(h.dir);
            if (it == placement.end())
                return;
            std::string base = h.dir.empty() ? options.root : options.root + "/" + h.dir;
            entries_.push_back({h, base + it->second});
        };
        for (const auto& h : layout.v1)
            add(h);
        if (layout.unified && layout.mode == Mode::hybrid)
            add(*layout.unified);
        if (entries_.empty())
            throw Error("cgroup placement names none of this host's hierarchies");
    }

    Mode mode() const override { return layout_.mode; }
    const Layout& layout() const override { return layout_; }
    const Placement& placement() const override { return placement_; }

    void create() override
    {
        check_unused();
        make_entries([](const Entry&) { return true; });
    }

    // The hybrid host's cgroup2 directory; the v1 ones follow in create_remaining.
    void create_clone_target() override
    {
        check_unused();
        make_entries([](const Entry& e) { return e.hierarchy.v2; });
    }
    void create_remaining() override
    {
        make_entries([](const Entry& e) { return !e.hierarchy.v2; });
    }
    bool makes_clone_target() const override { return unified() != nullptr; }

    void apply(const spec::Resources& r) override { write_resources(r, !options_.skip_devices); }
    void update(const spec::Resources& r) override
    {
        write_resources(r, !options_.skip_devices && !r.devices.empty());
    }

    void add_process(pid_t pid) override
    {
        for (const auto& e : entries_)
            move_pid(e.dir, pid);
    }

    int dir_fd_for_clone() const override
    {
        const Entry* u = unified();
        if (u == nullptr)
            return -1;
        if (!clone_fd_) {
            clone_fd_.reset(::open(u->dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
            if (!clone_fd_)
                throw_errno("open cgroup " + u->dir);
        }
        return clone_fd_.get();
    }

    std::vector<TasksFile> open_tasks_files() const override
    {
        std::vector<TasksFile> out = name_tasks_files();
        for (auto& f : out) {
            f.fd.reset(::open(f.path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
            if (!f.fd)
                throw_errno("open " + f.path);
        }
        return out;
    }

    std::vector<TasksFile> name_tasks_files() const override
    {
        std::vector<TasksFile> out;
        for (const auto& e : entries_)
            if (!e.hierarchy.v2)
                out.push_back({e.dir + "/tasks", util::unique_fd()});
        return out;
    }

    std::unique_ptr<OomWatcher> watch_oom() const override
    {
        const Entry* m = find("memory");
        return m ? watch_oom_v1(m->dir) : nullptr;
    }

    void freeze() override
    {
        const Entry* f = freezer();
        if (f == nullptr)
            throw Error("freeze: the freezer cgroup controller is not available on this host");
        // FREEZING can stall while a task sits in an uninterruptible sleep;
        // thawing now and then breaks such a livelock (runc).
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.freeze_timeout_ms);
        std::string state;
        for (int i = 0;; ++i) {
            if (i % 50 == 49)
                write_state(*f, "THAWED");
            write_state(*f, "FROZEN");
            state = last_line(read_cgroup_file(f->dir + "/freezer.state"));
            if (state == "FROZEN")
                return;
            if (std::chrono::steady_clock::now() > deadline)
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(i < 10 ? 1 : 10));
        }
        write_state(*f, "THAWED");
        throw Error("freeze " + f->dir + ": still " + state + " after " + std::to_string(options_.freeze_timeout_ms) +
                    " ms");
    }

    void thaw() override
    {
        const Entry* f = freezer();
        if (f == nullptr)
            throw Error("thaw: the freezer cgroup controller is not available on this host");
        write_state(*f, "THAWED");
    }

    bool frozen() const override
    {
        const Entry* f = freezer();
        if (f == nullptr)
            return false;
        auto state = read_if_present(f->dir + "/freezer.state");
        return state && last_line(*state) == "FROZEN";
    }

    std::vector<pid_t> pids() const override
    {
        const Entry& main = primary();
        if (!exists(main.dir))
            return {};
        return read_procs(main.dir, true);
    }

    void kill_all(int signal) override
    {
        if (signal == SIGKILL)
            if (const Entry* u = unified(); u && exists(u->dir + "/cgroup.kill")) {
                write_file(*u, "cgroup.kill", "1");
                return;
            }
        signal_each(signal);
    }

    void destroy() override
    {
        clone_fd_.reset();
        for (const auto& e : entries_)
            remove_cgroup(e.dir, [this] {
                try {
                    kill_all(SIGKILL);
                } catch (const Error& err) {
                    log_debug(std::string("destroy: ") + err.what());
                }
            });
    }

    std::string stats_json() const override
    {
        auto read = [this](const std::string& controller, const std::string& file) -> std::optional<std::string> {
            const Entry* e = find(controller);
            if (e == nullptr)
                return std::nullopt;
            return read_if_present(e->dir + "/" + file);
        };
        return to_json(read_stats_v1(read, hugepage_sizes(options_.hugepages_sysfs)));
    }

    bool empty() const override { return pids().empty(); }

private:
    static bool has(const Hierarchy& h, const std::string& controller)
    {
        return std::find(h.controllers.begin(), h.controllers.end(), controller) != h.controllers.end();
    }

    const Entry* find(const std::string& controller) const
    {
        for (const auto& e : entries_)
            if (!e.hierarchy.v2 && has(e.hierarchy, controller))
                return &e;
        return nullptr;
    }

    const Entry* freezer() const { return find("freezer"); }

    void check_unused() const
    {
        const Entry& main = primary();
        if (!options_.join_populated && exists(main.dir)) {
            auto procs = read_procs(main.dir, true);
            if (!procs.empty())
                throw Error("cgroup " + main.dir + " already holds " + std::to_string(procs.size()) + " process(es)");
            if (frozen())
                throw Error("cgroup " + freezer()->dir + " is frozen");
        }
    }

    // mkdir of the chosen entries, all or nothing.
    template <typename Pred>
    void make_entries(Pred chosen)
    {
        std::vector<std::string> created;
        try {
            for (const auto& e : entries_) {
                if (!chosen(e))
                    continue;
                bool is_cpuset = has(e.hierarchy, "cpuset");
                auto made_here = [&](const std::string& parent, const std::string& dir) {
                    created.push_back(dir);
                    if (is_cpuset)
                        init_cpuset(parent, dir, dir != e.dir);
                };
                // The parents usually exist: the leaf first, the walk only when one is missing.
                if (::mkdir(e.dir.c_str(), 0755) == 0) {
                    made_here(e.dir.substr(0, e.dir.rfind('/')), e.dir);
                    continue;
                }
                if (errno == EEXIST)
                    continue;
                if (errno != ENOENT)
                    throw_errno("create cgroup " + e.dir);
                std::string base = e.hierarchy.dir.empty() ? options_.root : options_.root + "/" + e.hierarchy.dir;
                make_cgroup_path(base, e.dir.substr(base.size()), nullptr,
                                 [&](const std::string& parent, const std::string& dir, bool made) {
                                     if (made)
                                         made_here(parent, dir);
                                 });
            }
        } catch (...) {
            for (auto it = created.rbegin(); it != created.rend(); ++it)
                ::rmdir(it->c_str());
            throw;
        }
    }

    const Entry* unified() const
    {
        for (const auto& e : entries_)
            if (e.hierarchy.v2)
                return &e;
        return nullptr;
    }

    // Where the container's processes are listed: a hierarchy every process
    // joins and that a host is likely to have.
    const Entry& primary() const
    {
        for (const char* c : {"freezer", "memory", "pids", "cpu", "devices"})
            if (const Entry* e = find(c))
                return *e;
        return entries_.front();
    }

    static void write_file(const Entry& e, const std::string& file, const std::string& value)
    {
        util::unique_fd fd(::open(e.dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!fd)
            throw_errno("open cgroup " + e.dir);
        if (int err = write_cgroup_file(fd.get(), file, value))
            throw_errno("write " + value + " to " + e.dir + "/" + file, err);
    }

    static void write_state(const Entry& f, const char* state) { write_file(f, "freezer.state", state); }

    void write_resources(const spec::Resources& r, bool devices)
    {
        V1State state;
        if (const Entry* m = find("memory")) {
            if (auto now = read_if_present(m->dir + "/memory.limit_in_bytes"); now && !last_line(*now).empty())
                state.memory_limit = parse_counter(*now, UINT64_MAX);
        }
        if (r.memory && r.memory->check_before_update.value_or(false))
            log_warning("linux.resources.memory.checkBeforeUpdate: not supported on cgroup v1, ignored");

        Plan plan = translate_v1(r, state);
        for (const auto& w : plan.warnings)
            log_warning(w);
        std::vector<Write> writes;
        if (devices)
            writes = v1_device_writes(container_device_rules(r.devices));
        writes.insert(writes.end(), plan.writes.begin(), plan.writes.end());

        std::map<std::string, util::unique_fd> open_dirs;
        apply_writes(writes, [&](const std::string& controller) -> int {
            const Entry* e = find(controller);
            if (e == nullptr)
                return -1;
            auto& fd = open_dirs[e->dir];
            if (!fd) {
                fd.reset(::open(e->dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
                if (!fd)
                    throw_errno("open cgroup " + e->dir);
            }
            return fd.get();
        });
    }

    Layout layout_;
    Placement placement_;
    DriverOptions options_;
    std::vector<Entry> entries_;
    mutable util::unique_fd clone_fd_;
};

} // namespace

std::unique_ptr<Driver> make_v1_driver(const Layout& layout, const Placement& placement, const DriverOptions& options)
{
    return std::make_unique<V1Driver>(layout, placement, options);
}

} // namespace oci::cgroups
