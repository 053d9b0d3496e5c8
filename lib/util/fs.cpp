// File helpers: whole-file reads, exact writes, atomic replace, tree removal.
#include "util/fs.hpp"

#include "util/unique_fd.hpp"

#include <oci/error.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace oci::util {

namespace {

std::string read_all(int fd, const std::string& what)
{
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("read " + what);
        }
        if (n == 0)
            return out;
        out.append(buf, static_cast<size_t>(n));
    }
}

} // namespace

std::string read_file(const std::string& path)
{
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        throw_errno("open " + path);
    return read_all(fd.get(), path);
}

std::optional<std::string> read_file_if_exists(const std::string& path)
{
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd && errno == ENOENT)
        return std::nullopt;
    if (!fd)
        throw_errno("open " + path);
    return read_all(fd.get(), path);
}

std::string read_file_at(int dir_fd, const std::string& name)
{
    unique_fd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        throw_errno("open " + name);
    return read_all(fd.get(), name);
}

void write_all(int fd, std::string_view data, const std::string& what)
{
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("write " + what);
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
}

void write_existing_at(int dir_fd, const std::string& name, std::string_view data)
{
    unique_fd fd(::openat(dir_fd, name.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd)
        throw_errno("open " + name);
    write_all(fd.get(), data, name);
}

void write_file_atomic(int dir_fd, const std::string& name, std::string_view data, mode_t mode)
{
    std::string tmp = "." + name + ".tmp" + std::to_string(::getpid());
    unique_fd fd(::openat(dir_fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd)
        throw_errno("create " + tmp);
    try {
        write_all(fd.get(), data, tmp);
        // An exchange, then an unlink of the old content, rather than a rename over
        // it: ext4 (auto_da_alloc) starts writeback of a file renamed over another,
        // which costs five times as much here. Readers see one file or the other
        // either way. The exchange needs an existing target and file system support,
        // and is never made with a directory (which rename refuses to replace).
        struct stat old_st;
        bool exchange = ::fstatat(dir_fd, name.c_str(), &old_st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(old_st.st_mode);
        if (exchange && ::renameat2(dir_fd, tmp.c_str(), dir_fd, name.c_str(), RENAME_EXCHANGE) == 0) {
            ::unlinkat(dir_fd, tmp.c_str(), 0);
            return;
        }
        if (::renameat(dir_fd, tmp.c_str(), dir_fd, name.c_str()) < 0)
            throw_errno("rename " + tmp + " to " + name);
    } catch (...) {
        ::unlinkat(dir_fd, tmp.c_str(), 0);
        throw;
    }
}

void remove_contents(int dir_fd)
{
    int copy = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    DIR* dir = copy < 0 ? nullptr : ::fdopendir(copy);
    if (dir == nullptr) {
        int err = errno;
        if (copy >= 0)
            ::close(copy);
        throw_errno("opendir", err);
    }
    ::rewinddir(dir);   // the dup shares dir_fd's offset, which a listing before may have moved
    std::vector<std::string> entries;
    while (dirent* e = ::readdir(dir)) {
        std::string_view n = e->d_name;
        if (n != "." && n != "..")
            entries.emplace_back(n);
    }
    ::closedir(dir);
    for (const auto& e : entries)
        remove_tree_at(dir_fd, e);
}

void remove_tree_at(int dir_fd, const std::string& name)
{
    if (::unlinkat(dir_fd, name.c_str(), 0) == 0 || errno == ENOENT)
        return;
    if (errno != EISDIR && errno != EPERM)
        throw_errno("remove " + name);
    unique_fd sub(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub) {
        if (errno == ENOENT)
            return;
        throw_errno("open " + name);
    }
    with_context("remove " + name, [&] { remove_contents(sub.get()); });
    if (::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT)
        throw_errno("remove " + name);
}

} // namespace oci::util
