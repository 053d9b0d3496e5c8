// Host cgroup layout from mountinfo and statfs; /proc/<pid>/cgroup parsing.
#include "cgroups/layout.hpp"

#include "util/mountinfo.hpp"
#include "util/strings.hpp"

#include "util/fs.hpp"

#include <oci/error.hpp>

#include <linux/magic.h>
#include <sys/vfs.h>

#include <algorithm>
#include <cerrno>

namespace oci::cgroups {

namespace {

// v1 super options also carry mount flags (rw, xattr, release_agent=...);
// only these name controllers.
bool is_v1_controller(const std::string& option)
{
    static const char* const known[] = {
        "cpuset", "cpu", "cpuacct", "blkio", "memory", "devices", "freezer", "net_cls",
        "perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc", "debug",
    };
    if (option.rfind("name=", 0) == 0)
        return true;
    return std::find_if(std::begin(known), std::end(known), [&](const char* k) { return option == k; }) !=
           std::end(known);
}

std::string strip_trailing_slashes(std::string path)
{
    while (path.size() > 1 && path.back() == '/')
        path.pop_back();
    return path;
}

} // namespace

const char* to_string(Mode mode)
{
    switch (mode) {
    case Mode::unified: return "unified";
    case Mode::hybrid: return "hybrid";
    case Mode::legacy: return "legacy";
    }
    return "unknown";
}

const Hierarchy* Layout::find_v1(const std::string& controller) const
{
    for (const auto& h : v1)
        if (std::find(h.controllers.begin(), h.controllers.end(), controller) != h.controllers.end())
            return &h;
    return nullptr;
}

Layout parse_layout(const std::string& mountinfo, const std::string& root_in)
{
    const std::string root = strip_trailing_slashes(root_in);
    std::optional<Hierarchy> at_root;
    std::optional<Hierarchy> at_unified;
    std::vector<Hierarchy> v1;

    for (const util::MountInfoEntry& m : util::parse_mountinfo(mountinfo)) {
        const std::string& fs_type = m.fs_type;
        if (fs_type != "cgroup" && fs_type != "cgroup2")
            continue;
        const std::string& mount_point = m.mount_point;
        std::string dir;
        if (mount_point == root)
            dir = "";
        else if (mount_point.rfind(root + "/", 0) == 0)
            dir = mount_point.substr(root.size() + 1);
        else
            continue;
        if (dir.find('/') != std::string::npos)
            continue;   // a hierarchy is mounted directly below the root

        Hierarchy h;
        h.dir = dir;
        h.mount_root = m.root;
        h.v2 = fs_type == "cgroup2";
        if (!h.v2)
            for (const auto& option : m.super_options)
                if (is_v1_controller(option))
                    h.controllers.push_back(option);

        // A later mount on the same point hides the earlier one.
        if (h.v2 && dir.empty())
            at_root = h;
        else if (h.v2 && dir == "unified")
            at_unified = h;
        else if (!h.v2 && !h.controllers.empty()) {
            auto same = std::find_if(v1.begin(), v1.end(), [&](const Hierarchy& o) { return o.dir == dir; });
            if (same != v1.end())
                *same = h;
            else
                v1.push_back(h);
        }
    }

    Layout layout;
    if (at_root) {
        layout.mode = Mode::unified;
        layout.unified = at_root;
        return layout;
    }
    if (v1.empty())
        throw Error("no cgroup file system is mounted at " + root);
    layout.v1 = std::move(v1);
    if (at_unified) {
        layout.mode = Mode::hybrid;
        layout.unified = at_unified;
    } else {
        layout.mode = Mode::legacy;
    }
    return layout;
}

Mode detect_mode(const std::string& root)
{
    struct statfs st {};
    if (::statfs(root.c_str(), &st) < 0)
        throw_errno("statfs " + root);
    if (st.f_type == CGROUP2_SUPER_MAGIC)
        return Mode::unified;
    if (st.f_type != TMPFS_MAGIC)
        throw Error("cgroup root " + root + " is neither cgroup2 nor tmpfs");
    std::string unified = root + "/unified";
    if (::statfs(unified.c_str(), &st) < 0) {
        if (errno == ENOENT)
            return Mode::legacy;
        throw_errno("statfs " + unified);
    }
    return st.f_type == CGROUP2_SUPER_MAGIC ? Mode::hybrid : Mode::legacy;
}

Layout detect_layout(const std::string& root)
{
    Layout layout = parse_layout(util::read_file("/proc/self/mountinfo"), root);
    Mode by_type = detect_mode(root);
    if (by_type != layout.mode)
        throw Error(std::string("cgroup layout of ") + root + ": mountinfo says " + to_string(layout.mode) +
                    ", the file system types say " + to_string(by_type));
    return layout;
}

std::vector<ProcCgroup> parse_proc_cgroup(const std::string& text)
{
    std::vector<ProcCgroup> out;
    for (std::string_view view : util::lines(text)) {
        std::string line(view);
        auto c1 = line.find(':');
        auto c2 = c1 == std::string::npos ? std::string::npos : line.find(':', c1 + 1);
        if (c2 == std::string::npos)
            continue;
        ProcCgroup entry;
        try {
            entry.id = std::stoi(line.substr(0, c1));
        } catch (const std::exception&) {
            continue;
        }
        std::string controllers = line.substr(c1 + 1, c2 - c1 - 1);
        if (!controllers.empty())
            entry.controllers = util::split(controllers, ',');
        entry.path = line.substr(c2 + 1);
        out.push_back(std::move(entry));
    }
    return out;
}

std::string own_path(const std::vector<ProcCgroup>& entries, const Hierarchy& hierarchy)
{
    for (const auto& e : entries) {
        bool match;
        if (hierarchy.v2)
            match = e.id == 0 && e.controllers.empty();
        else
            // Compare as sets: "cpu" must not match the hierarchy "cpuacct".
            match = !e.controllers.empty() &&
                    std::all_of(e.controllers.begin(), e.controllers.end(), [&](const std::string& c) {
                        return std::find(hierarchy.controllers.begin(), hierarchy.controllers.end(), c) !=
                               hierarchy.controllers.end();
                    });
        if (!match)
            continue;
        std::string root = strip_trailing_slashes(hierarchy.mount_root);
        std::string path = e.path;
        if (root != "/" && !root.empty()) {
            // The mount shows only a sub-tree (as inside a container without a
            // cgroup namespace): paths are relative to it.
            if (path == root)
                return "/";
            if (path.rfind(root + "/", 0) != 0)
                return "/";
            path = path.substr(root.size());
        }
        return path.empty() ? "/" : path;
    }
    return "/";
}

} // namespace oci::cgroups
