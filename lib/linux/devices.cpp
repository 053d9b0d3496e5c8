// Device nodes are created with mknodat in an already-resolved parent
// directory, so a symlink planted in the image cannot redirect them (D4).
#include "linux/devices.hpp"

#include "linux/safe_path.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

namespace oci::sys {

namespace {

spec::Device char_device(const char* path, int major, int minor)
{
    spec::Device d;
    d.type = "c";
    d.path = path;
    d.major = major;
    d.minor = minor;
    d.file_mode = 0666;
    d.uid = 0;
    d.gid = 0;
    return d;
}

std::pair<std::string, std::string> split_parent(const std::string& path)
{
    auto slash = path.rfind('/');
    return {path.substr(0, slash), path.substr(slash + 1)};
}

mode_t type_bits(const std::string& type)
{
    if (type == "b")
        return S_IFBLK;
    if (type == "p")
        return S_IFIFO;
    return S_IFCHR;   // "c" and "u"
}

void bind_host_device(int root_fd, const spec::Device& d)
{
    // A symlink in the device's place is replaced, never followed (as make_device does): a
    // planted /dev/null -> /proc/sys/kernel/core_pattern would otherwise get the host's node
    // bound over that file, writable where /proc/sys is read-only.
    auto [parent, name] = split_parent(d.path);
    auto dir = mkdir_all_in_root(root_fd, parent, 0755);
    struct stat st {};
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)
        && ::unlinkat(dir.get(), name.c_str(), 0) < 0)
        throw_errno("remove the symlink at device " + d.path);
    auto target = ensure_mount_target(root_fd, d.path, false);
    if (::mount(d.path.c_str(), fd_path(target.get()).c_str(), nullptr, MS_BIND, nullptr) < 0)
        throw_errno("bind mount device " + d.path + " from the host");
}

void make_device(int root_fd, const spec::Device& d)
{
    auto [parent, name] = split_parent(d.path);
    auto dir = mkdir_all_in_root(root_fd, parent, 0755);
    mode_t mode = d.file_mode.value_or(0666) | type_bits(d.type);
    dev_t dev = d.type == "p" ? 0 : makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor));
    if (::mknodat(dir.get(), name.c_str(), mode, dev) < 0) {
        // Not permitted (no CAP_MKNOD over the host's devices): bind the
        // host's node, as in a user namespace.
        if (errno == EPERM && d.type != "p") {
            bind_host_device(root_fd, d);
            return;
        }
        if (errno != EEXIST)
            throw_errno("create device " + d.path);
        // Something is already there: replace it only if it is a plain file or
        // node we can unlink; never follow a symlink.
        if (::unlinkat(dir.get(), name.c_str(), 0) < 0 || ::mknodat(dir.get(), name.c_str(), mode, dev) < 0)
            throw_errno("create device " + d.path);
    }
    uid_t uid = d.uid.value_or(0);
    gid_t gid = d.gid.value_or(0);
    if (::fchownat(dir.get(), name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
        throw_errno("chown device " + d.path);
}

} // namespace

std::vector<spec::Device> default_devices()
{
    return {char_device("/dev/null", 1, 3),    char_device("/dev/zero", 1, 5),
            char_device("/dev/full", 1, 7),    char_device("/dev/random", 1, 8),
            char_device("/dev/urandom", 1, 9), char_device("/dev/tty", 5, 0)};
}

void create_devices(int root_fd, const std::vector<spec::Device>& config_devices, bool bind_from_host)
{
    std::vector<spec::Device> all;
    for (auto& d : default_devices()) {
        bool overridden = false;
        for (const auto& c : config_devices)
            overridden = overridden || c.path == d.path;
        if (!overridden)
            all.push_back(d);
    }
    all.insert(all.end(), config_devices.begin(), config_devices.end());
    for (const auto& d : all) {
        if (bind_from_host)
            bind_host_device(root_fd, d);
        else
            make_device(root_fd, d);
    }
}

void create_dev_symlinks(int root_fd)
{
    static const std::pair<const char*, const char*> kLinks[] = {
        {"/proc/self/fd", "fd"},        {"/proc/self/fd/0", "stdin"},
        {"/proc/self/fd/1", "stdout"},  {"/proc/self/fd/2", "stderr"},
    };
    auto dev = mkdir_all_in_root(root_fd, "/dev", 0755);
    for (const auto& [target, name] : kLinks)
        if (::symlinkat(target, dev.get(), name) < 0 && errno != EEXIST)
            throw_errno(std::string("create symlink /dev/") + name);
    // /dev/ptmx must be the container's own devpts instance.
    if (::unlinkat(dev.get(), "ptmx", 0) < 0 && errno != ENOENT)
        throw_errno("remove /dev/ptmx");
    if (::symlinkat("pts/ptmx", dev.get(), "ptmx") < 0)
        throw_errno("create symlink /dev/ptmx");
}

} // namespace oci::sys
