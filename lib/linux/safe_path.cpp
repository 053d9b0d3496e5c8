// Path resolution inside a container rootfs: openat2(RESOLVE_IN_ROOT) where the
// kernel offers it, and a component walk that resolves the same way where it
// does not. Missing directories are created one mkdirat() at a time, in a
// parent that was itself reached through fds: the walk's, or, when only the
// last component is missing, the parent's openat2.
#include "linux/safe_path.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace oci::sys {

namespace {

// The kernel's MAXSYMLINKS, so that both resolvers give up at the same point.
constexpr int max_symlinks = 40;
// openat2 fails with EAGAIN when a rename or mount raced a ".."; runc retries for 2 ms.
constexpr auto openat2_retry_for = std::chrono::milliseconds(2);
// A creating call whose fresh entry keeps being swapped for a symlink gives up after this.
constexpr int max_create_attempts = 8;
// Empty files made as bind-mount targets are hidden by the mount; nothing needs them executable.
constexpr mode_t mount_target_file_mode = 0644;
// The inode number of every procfs root directory (fs/proc/root.c).
constexpr ino_t proc_root_ino = 1;

std::atomic<bool> fallback_forced{false};
std::atomic<int> openat2_state{0}; // 0: not probed yet, 1: usable, -1: not usable

// Errors that mean openat2 itself is unavailable (old kernel, seccomp filter,
// a struct open_how the kernel does not know) rather than a failed lookup.
bool openat2_refused(int err)
{
    return err == ENOSYS || err == EPERM || err == E2BIG;
}

long raw_openat2(int dirfd, const char* path, int flags, mode_t mode)
{
    open_how how{};
    how.flags = static_cast<std::uint64_t>(static_cast<unsigned>(flags));
    how.mode = mode;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    return ::syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

bool creates(int flags)
{
    return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
}

// The path as the container sees it, for error messages.
std::string shown(std::string_view path)
{
    if (path.empty() || path.front() != '/')
        return "/" + std::string(path);
    return std::string(path);
}

void check_path(std::string_view path, const std::string& what)
{
    if (path.find('\0') != std::string_view::npos)
        throw_errno(what, EINVAL);
    if (path.size() >= PATH_MAX)
        throw_errno(what, ENAMETOOLONG);
}

// Returns an fd, or -errno. Retries EAGAIN (a racing rename or mount) briefly.
int try_openat2(int root_fd, std::string_view path, int flags, mode_t mode)
{
    std::string p = path.empty() ? std::string("/") : std::string(path);
    auto deadline = std::chrono::steady_clock::now() + openat2_retry_for;
    for (;;) {
        long fd = raw_openat2(root_fd, p.c_str(), flags | O_CLOEXEC, creates(flags) ? mode : 0);
        if (fd >= 0)
            return static_cast<int>(fd);
        int err = errno;
        if (err != EAGAIN || std::chrono::steady_clock::now() >= deadline)
            return -err;
    }
}

// Pushes the components of `path` onto `pending` so that the first one is popped
// first. A trailing slash becomes a trailing ".", which makes the kernel's rule
// hold here too: the name before it must be (or lead to) a directory.
void push_components(std::vector<std::string>& pending, std::string_view path)
{
    std::vector<std::string> parts;
    std::size_t i = 0;
    while (i < path.size()) {
        std::size_t end = path.find('/', i);
        if (end == std::string_view::npos)
            end = path.size();
        if (end > i)
            parts.emplace_back(path.substr(i, end - i));
        i = end + 1;
    }
    if (!path.empty() && path.back() == '/')
        parts.emplace_back(".");
    pending.insert(pending.end(), parts.rbegin(), parts.rend());
}

enum class Missing { fail, create_dirs };

struct Lookup {
    util::unique_fd dir; // O_PATH fd of the resolved directory holding `name`
    std::string name;    // the last component (absent, or not a symlink to follow); "." for `dir` itself
};

// The fallback resolver. It opens one component at a time with
// O_PATH|O_NOFOLLOW, so the kernel never follows a symlink: each one is read
// with readlinkat() and its target walked from the root (absolute) or from its
// directory (relative). ".." never goes above the root, and is checked to land
// on the directory the walk came from; a mismatch means a concurrent rename
// moved us, which is reported as EAGAIN like openat2 does.
//
// What it cannot see, like openat2 on a path without "..": a directory it
// already holds being renamed out of the rootfs by someone with access to
// both. Runtimes do not share a rootfs with such a writer.
class Walker {
public:
    Walker(int root_fd, const std::string& what, Missing missing, mode_t mode)
        : root_fd_(root_fd), what_(what), missing_(missing), mode_(mode)
    {
    }

    Lookup walk(std::string_view path, bool follow_last)
    {
        restart_at_root();
        std::vector<std::string> pending;
        push_components(pending, path);
        int links = 0;
        while (!pending.empty()) {
            std::string name = std::move(pending.back());
            pending.pop_back();
            if (name == ".")
                continue;
            if (name == "..") {
                go_up();
                continue;
            }
            bool last = pending.empty();
            if (last && !follow_last)
                return {std::move(cur_), name};

            util::unique_fd next = lookup(name);
            if (!next && errno == ENOENT && !last && missing_ == Missing::create_dirs) {
                if (::mkdirat(cur_.get(), name.c_str(), mode_) < 0 && errno != EEXIST)
                    fail(errno);
                next = lookup(name);
            }
            if (!next) {
                if (errno == ENOENT && last)
                    return {std::move(cur_), name};
                fail(errno);
            }
            struct stat st {};
            if (::fstat(next.get(), &st) < 0)
                fail(errno);
            if (S_ISLNK(st.st_mode)) {
                if (++links > max_symlinks)
                    fail(ELOOP);
                if (is_proc_magic_link(next.get()))
                    fail(ELOOP);
                std::string target = read_link(next.get());
                if (target.front() == '/')
                    restart_at_root();
                push_components(pending, target);
                continue;
            }
            if (last)
                return {std::move(cur_), name};
            if (!S_ISDIR(st.st_mode))
                fail(ENOTDIR);
            chain_.push_back({st.st_dev, st.st_ino});
            cur_ = std::move(next);
        }
        return {std::move(cur_), "."};
    }

private:
    struct Ident {
        dev_t dev;
        ino_t ino;
    };

    [[noreturn]] void fail(int err) const { throw_errno(what_, err); }

    util::unique_fd lookup(const std::string& name) const
    {
        return util::unique_fd(::openat(cur_.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    }

    void restart_at_root()
    {
        util::unique_fd root(::openat(root_fd_, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!root)
            fail(errno);
        struct stat st {};
        if (::fstat(root.get(), &st) < 0)
            fail(errno);
        cur_ = std::move(root);
        chain_.assign(1, Ident{st.st_dev, st.st_ino});
    }

    void go_up()
    {
        if (chain_.size() == 1)
            return; // ".." of the root is the root
        util::unique_fd up(::openat(cur_.get(), "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!up)
            fail(errno);
        struct stat st {};
        if (::fstat(up.get(), &st) < 0)
            fail(errno);
        const Ident& expected = chain_[chain_.size() - 2];
        if (st.st_dev != expected.dev || st.st_ino != expected.ino)
            fail(EAGAIN);
        chain_.pop_back();
        cur_ = std::move(up);
    }

    // The fallback never lets the kernel follow a link, so a magic link cannot
    // jump anywhere; it is refused anyway so that both resolvers agree with
    // RESOLVE_NO_MAGICLINKS. Magic links (fd/*, exe, cwd, root, ns/*,
    // map_files/*) cannot be told from plain procfs links by stat(), so every
    // procfs link outside the procfs root (where self, thread-self, mounts and
    // net live) counts as one; this also refuses rarities like /proc/fs/xfs/stat.
    bool is_proc_magic_link(int link_fd) const
    {
        struct statfs sfs {};
        if (::fstatfs(link_fd, &sfs) < 0)
            fail(errno);
        return sfs.f_type == PROC_SUPER_MAGIC && chain_.back().ino != proc_root_ino;
    }

    std::string read_link(int link_fd) const
    {
        std::string buf(PATH_MAX, '\0');
        ssize_t n = ::readlinkat(link_fd, "", buf.data(), buf.size());
        if (n < 0)
            fail(errno);
        if (static_cast<std::size_t>(n) >= buf.size())
            fail(ENAMETOOLONG);
        if (n == 0)
            fail(ENOENT);
        buf.resize(static_cast<std::size_t>(n));
        return buf;
    }

    int root_fd_;
    const std::string& what_;
    Missing missing_;
    mode_t mode_;
    util::unique_fd cur_;
    std::vector<Ident> chain_; // identities from the root down to cur_
};

util::unique_fd open_by_walking(int root_fd, std::string_view path, int flags, mode_t mode,
                                const std::string& what)
{
    // O_CREAT|O_EXCL never follows a last symlink: it fails with EEXIST.
    bool follow_last = (flags & O_NOFOLLOW) == 0 && !((flags & O_CREAT) && (flags & O_EXCL));
    Lookup at = Walker(root_fd, what, Missing::fail, 0).walk(path, follow_last);
    // O_NOFOLLOW: if the name became a symlink since the walk, fail rather than follow it.
    util::unique_fd fd(::openat(at.dir.get(), at.name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC,
                                creates(flags) ? mode : 0));
    if (!fd)
        throw_errno(what, errno);
    if (follow_last && (flags & O_PATH)) {
        // O_PATH|O_NOFOLLOW opens a symlink instead of failing; it was swapped in since the walk.
        struct stat st {};
        if (::fstat(fd.get(), &st) < 0)
            throw_errno(what, errno);
        if (S_ISLNK(st.st_mode))
            throw_errno(what, ELOOP);
    }
    return fd;
}

// The fast path of the creating calls: the target usually exists already, and
// then one openat2 answers. Returns an empty fd when the walk has to run.
util::unique_fd open_existing(int root_fd, std::string_view path, int flags, const std::string& what)
{
    if (!openat2_usable())
        return {};
    int fd = try_openat2(root_fd, path, flags, 0);
    if (fd >= 0)
        return util::unique_fd(fd);
    if (-fd != ENOENT && !openat2_refused(-fd))
        throw_errno(what, -fd);
    return {};
}

// The usual miss of the creating calls: only the last component is new.
// Its parent, resolved by openat2 inside the root, spares them the component
// walk; nullopt sends them to the walk (no openat2, a missing parent, a
// trailing slash, or a last name such as "..").
std::optional<Lookup> parent_by_openat2(int root_fd, std::string_view path)
{
    if (!openat2_usable())
        return std::nullopt;
    std::size_t slash = path.rfind('/');
    std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    if (name.empty() || name == "." || name == "..")
        return std::nullopt;
    std::string_view parent = slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
    int fd = try_openat2(root_fd, parent, O_PATH | O_DIRECTORY, 0);
    if (fd < 0)
        return std::nullopt;
    return Lookup{util::unique_fd(fd), std::string(name)};
}

} // namespace

bool openat2_usable()
{
    if (fallback_forced.load(std::memory_order_relaxed))
        return false;
    int state = openat2_state.load(std::memory_order_relaxed);
    if (state == 0) {
        long fd = raw_openat2(AT_FDCWD, "/", O_PATH | O_CLOEXEC, 0);
        bool usable = fd >= 0 || !openat2_refused(errno);
        if (fd >= 0)
            ::close(static_cast<int>(fd));
        state = usable ? 1 : -1;
        openat2_state.store(state, std::memory_order_relaxed);
    }
    return state > 0;
}

void force_openat2_fallback(bool on)
{
    fallback_forced.store(on, std::memory_order_relaxed);
}

util::unique_fd open_in_root(int root_fd, std::string_view path, int flags, mode_t mode)
{
    std::string what = "open " + shown(path) + " in rootfs";
    check_path(path, what);
    if (openat2_usable()) {
        int fd = try_openat2(root_fd, path, flags, mode);
        if (fd >= 0)
            return util::unique_fd(fd);
        // A seccomp EPERM sends us to the walk; a genuine EPERM is reported by the walk too.
        if (!openat2_refused(-fd))
            throw_errno(what, -fd);
    }
    return open_by_walking(root_fd, path, flags, mode, what);
}

util::unique_fd open_in_root_if_exists(int root_fd, std::string_view path, int flags)
{
    if (openat2_usable() && path.find('\0') == std::string_view::npos && path.size() < PATH_MAX) {
        int fd = try_openat2(root_fd, path, flags, 0);
        if (fd >= 0)
            return util::unique_fd(fd);
        if (fd == -ENOENT)
            return {};
    }
    // Anything else, and the walk, as open_in_root reports it.
    try {
        return open_in_root(root_fd, path, flags);
    } catch (const Error& e) {
        if (e.code() == ENOENT)
            return {};
        throw;
    }
}

util::unique_fd mkdir_all_in_root(int root_fd, std::string_view path, mode_t mode)
{
    std::string what = "mkdir " + shown(path) + " in rootfs";
    check_path(path, what);
    if (util::unique_fd fd = open_existing(root_fd, path, O_PATH | O_DIRECTORY, what))
        return fd;
    if (std::optional<Lookup> at = parent_by_openat2(root_fd, path)) {
        // EEXIST: made meanwhile, or a dangling symlink; the open or the walk tells which.
        if (::mkdirat(at->dir.get(), at->name.c_str(), mode) == 0 || errno == EEXIST) {
            util::unique_fd fd(
                ::openat(at->dir.get(), at->name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (fd)
                return fd;
        }
    }
    // The trailing slash makes every named component one to create and to enter;
    // the walk ends at the directory itself.
    return Walker(root_fd, what, Missing::create_dirs, mode).walk(std::string(path) + "/", true).dir;
}

util::unique_fd ensure_mount_target(int root_fd, std::string_view path, bool is_dir, mode_t dir_mode)
{
    std::string what = "create mount target " + shown(path) + " in rootfs";
    check_path(path, what);
    if (util::unique_fd fd = open_existing(root_fd, path, O_PATH, what))
        return fd;
    std::optional<Lookup> parent = parent_by_openat2(root_fd, path);
    Walker walker(root_fd, what, Missing::create_dirs, dir_mode);
    for (int attempt = 0; attempt < max_create_attempts; ++attempt) {
        Lookup at = parent ? std::move(*parent) : walker.walk(path, true);
        parent.reset();
        const char* name = at.name.c_str();
        util::unique_fd fd(::openat(at.dir.get(), name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
        if (!fd && errno != ENOENT)
            throw_errno(what, errno);
        if (!fd) {
            // Exclusive creation that follows nothing; EEXIST means someone was
            // faster, and the next round looks at what they made.
            int rc = is_dir ? ::mkdirat(at.dir.get(), name, dir_mode)
                            : ::openat(at.dir.get(), name,
                                       O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                       mount_target_file_mode);
            if (rc < 0 && errno != EEXIST)
                throw_errno(what, errno);
            if (!is_dir && rc >= 0)
                ::close(rc);
            fd.reset(::openat(at.dir.get(), name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
            if (!fd && errno != ENOENT)
                throw_errno(what, errno);
        }
        if (!fd)
            continue; // removed again before we could open it
        struct stat st {};
        if (::fstat(fd.get(), &st) < 0)
            throw_errno(what, errno);
        if (!S_ISLNK(st.st_mode))
            return fd;
        // A symlink appeared at the last component: resolve again, inside the root.
    }
    throw_errno(what, EAGAIN);
}

std::string fd_path(int fd)
{
    return "/proc/self/fd/" + std::to_string(fd);
}

} // namespace oci::sys
