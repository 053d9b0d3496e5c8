#include "linux/cgroup_mount.hpp"

#include "linux/detached_mount.hpp"
#include "linux/safe_path.hpp"
#include "util/fs.hpp"
#include "util/mountinfo.hpp"
#include "util/strings.hpp"

#include <oci/error.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace oci::sys {

namespace {

constexpr unsigned long kSafeFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC;

uint64_t bind_attributes(unsigned long flags)
{
    uint64_t attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    return (flags & MS_RDONLY) ? attrs | MOUNT_ATTR_RDONLY : attrs;
}

// Where a hierarchy goes: a path in the rootfs, resolved there, or a name
// in the tmpfs we have just mounted, which nothing else can reach yet.
struct Target {
    int root_fd;
    const std::string& dest;
    int tmpfs_fd = -1;
    const char* name = nullptr;

    util::unique_fd make() const
    {
        if (tmpfs_fd < 0)
            return ensure_mount_target(root_fd, dest, true);
        // EEXIST: ours, from a fresh mount that failed and is now replaced by a bind.
        if (::mkdirat(tmpfs_fd, name, 0755) < 0 && errno != EEXIST)
            throw_errno("mkdir " + dest);
        util::unique_fd fd(::openat(tmpfs_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd)
            throw_errno("open " + dest);
        return fd;
    }
};

// A bind of the container's own directory shows what a fresh mount in its
// cgroup namespace would, and costs less on v1 (no option parsing, no
// hierarchy lookup under the cgroup mutex).
void mount_one(const Target& to, const CgroupMountInfo& h, const std::string& own_path, unsigned long flags,
               bool fresh)
{
    if (fresh) {
        auto target = to.make();
        const char* data = h.fs_type == "cgroup2" ? nullptr : h.super_options.c_str();
        if (::mount("cgroup", fd_path(target.get()).c_str(), h.fs_type.c_str(), flags | kSafeFlags, data) == 0)
            return;
        if (errno != EPERM && errno != EBUSY && errno != EINVAL)
            throw_errno("mount " + h.fs_type + " on " + to.dest);
    }
    auto mount = clone_bind_mount(h.mount_point + own_path, bind_attributes(flags));
    move_mount_onto(mount.get(), to.make().get(), "attach mount on " + to.dest);
}

// A hierarchy's directory in the tmpfs: "cpu" for /sys/fs/cgroup/cpu; empty
// for a mount point anywhere else, or at the root (cgroup2 on unified hosts).
std::string tmpfs_name(const CgroupMountInfo& h)
{
    static const std::string prefix = "/sys/fs/cgroup/";
    if (h.mount_point.rfind(prefix, 0) != 0)
        return "";
    std::string name = h.mount_point.substr(prefix.size());
    if (name.find('/') != std::string::npos || name == "." || name == "..")
        return "";
    return name;
}

// Symlinks such as cpu -> cpu,cpuacct, as the host has them.
void link_as_the_host(int tmpfs_fd)
{
    DIR* dir = ::opendir("/sys/fs/cgroup");
    if (dir == nullptr)
        return;
    while (dirent* e = ::readdir(dir)) {
        if (e->d_type != DT_LNK)
            continue;
        char buf[256];
        std::string link = std::string("/sys/fs/cgroup/") + e->d_name;
        ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
        if (n > 0 && std::string(buf, static_cast<size_t>(n)).find('/') == std::string::npos) {
            buf[n] = '\0';
            ::symlinkat(buf, tmpfs_fd, e->d_name);
        }
    }
    ::closedir(dir);
}

constexpr unsigned long kTreeFlags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME | MS_NOATIME;

} // namespace

std::vector<CgroupMountInfo> parse_cgroup_mounts(const std::string& mountinfo)
{
    std::vector<CgroupMountInfo> out;
    for (const util::MountInfoEntry& m : util::parse_mountinfo(mountinfo)) {
        if (m.fs_type != "cgroup" && m.fs_type != "cgroup2")
            continue;
        if (m.mount_point != "/sys/fs/cgroup" && m.mount_point.rfind("/sys/fs/cgroup/", 0) != 0)
            continue;
        std::string supers;
        for (const auto& o : m.super_options) {
            if (o == "rw" || o == "ro")
                continue;
            if (!supers.empty())
                supers += ',';
            supers += o;
        }
        out.push_back({m.mount_point, m.fs_type, supers});
    }
    return out;
}

std::string own_cgroup_path(const std::string& proc_self_cgroup, const CgroupMountInfo& h)
{
    for (std::string_view view : util::lines(proc_self_cgroup)) {
        std::string line(view);
        auto c1 = line.find(':');
        auto c2 = line.find(':', c1 + 1);
        if (c1 == std::string::npos || c2 == std::string::npos)
            continue;
        std::string controllers = line.substr(c1 + 1, c2 - c1 - 1);
        std::string path = line.substr(c2 + 1);
        if (path == "/")
            path.clear();
        if (h.fs_type == "cgroup2" && controllers.empty())
            return path;
        if (h.fs_type == "cgroup" && !controllers.empty()) {
            // Compare as sets: "cpu" must not match the hierarchy "cpuacct".
            auto have = util::split(h.super_options, ',');
            bool all = true;
            for (const auto& c : util::split(controllers, ','))
                all = all && std::find(have.begin(), have.end(), c) != have.end();
            if (all)
                return path;
        }
    }
    return "";
}

bool unified_hierarchy(const std::vector<CgroupMountInfo>& hierarchies)
{
    return std::any_of(hierarchies.begin(), hierarchies.end(), [](const CgroupMountInfo& h) {
        return h.mount_point == "/sys/fs/cgroup" && h.fs_type == "cgroup2";
    });
}

util::unique_fd build_detached_cgroup_tree(const std::vector<CgroupMountInfo>& hierarchies,
                                           const std::vector<std::string>& own_paths, unsigned long flags,
                                           bool own_cgroup_ns)
{
    flags &= kTreeFlags;
    if (unified_hierarchy(hierarchies) || own_paths.size() != hierarchies.size())
        return {};
    auto tree = detached_tmpfs({{"mode", "755"}}, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                               "mount a tmpfs for /sys/fs/cgroup");
    if (!tree)
        return {};
    bool first = true;
    for (size_t i = 0; i < hierarchies.size(); ++i) {
        const CgroupMountInfo& h = hierarchies[i];
        std::string name = tmpfs_name(h);
        if (name.empty())
            continue;
        if (::mkdirat(tree.get(), name.c_str(), 0755) < 0)
            throw_errno("mkdir /sys/fs/cgroup/" + name + " in the container's tree");
        // Mounted afresh by the init, in its cgroup namespace.
        if (own_cgroup_ns && h.fs_type == "cgroup2")
            continue;
        auto mount = clone_bind_mount(h.mount_point + own_paths[i], bind_attributes(flags));
        if (::syscall(SYS_move_mount, mount.get(), "", tree.get(), name.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0) {
            // Kernels before 6.15 mount nothing onto a detached mount.
            if (first && errno == EINVAL)
                return {};
            throw_errno("attach " + h.mount_point + own_paths[i] + " in the container's tree");
        }
        first = false;
    }
    link_as_the_host(tree.get());
    if (flags & MS_RDONLY)
        set_mount_attributes(tree.get(), MOUNT_ATTR_RDONLY, 0, "make the container's /sys/fs/cgroup read-only");
    return tree;
}

void mount_cgroup_tree(int root_fd, const std::string& destination, unsigned long flags, bool own_cgroup_ns,
                       const std::string& own_cgroups, const std::vector<CgroupMountInfo>* known, int prebuilt)
{
    flags &= kTreeFlags;
    std::vector<CgroupMountInfo> read;
    if (!known)
        read = parse_cgroup_mounts(util::read_file("/proc/self/mountinfo"));
    const std::vector<CgroupMountInfo>& hierarchies = known ? *known : read;
    const std::string& self_cgroup = own_cgroups;
    for (const auto& h : hierarchies) {
        if (h.mount_point == "/sys/fs/cgroup" && h.fs_type == "cgroup2") {
            mount_one(Target{root_fd, destination}, h, own_cgroup_path(self_cgroup, h), flags, own_cgroup_ns);
            return;
        }
    }
    // v1 or hybrid: a tmpfs with one directory per hierarchy.
    auto target = ensure_mount_target(root_fd, destination, true);
    if (prebuilt >= 0) {
        move_mount_onto(prebuilt, target.get(), "attach the cgroup tree on " + destination);
        // The prebuilt tree holds every bind; only a fresh cgroup2 mount is left.
        if (!own_cgroup_ns)
            return;
    } else if (::mount("tmpfs", fd_path(target.get()).c_str(), "tmpfs", kSafeFlags, "mode=755") < 0) {
        throw_errno("mount tmpfs on " + destination);
    }
    // The new tmpfs, empty and ours alone: its entries need no resolving.
    auto tmpfs = open_in_root(root_fd, destination, O_PATH | O_DIRECTORY);
    for (const auto& h : hierarchies) {
        std::string name = tmpfs_name(h);
        if (name.empty())
            continue;
        bool fresh = own_cgroup_ns && h.fs_type == "cgroup2";
        if (prebuilt >= 0 && !fresh)
            continue;
        std::string dest = destination + "/" + name;
        mount_one(Target{root_fd, dest, tmpfs.get(), name.c_str()}, h, own_cgroup_path(self_cgroup, h), flags, fresh);
    }
    if (prebuilt >= 0)
        return;
    link_as_the_host(tmpfs.get());
    if (flags & MS_RDONLY) {
        if (::mount(nullptr, fd_path(tmpfs.get()).c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | kSafeFlags,
                    nullptr) < 0)
            throw_errno("remount " + destination + " read-only");
    }
}

} // namespace oci::sys
