// Applying cgroup writes: aliases, files the kernel may lack, writes retried
// after their partner, and read-back of clamped values.
#include "cgroups/writer.hpp"

#include "cgroups/cgroup_fs.hpp"
#include "util/unique_fd.hpp"

#include <oci/error.hpp>
#include <oci/log.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace oci::cgroups {

namespace {

[[noreturn]] void refused(const Write& w, const std::string& file, const std::string& value, int err)
{
    throw_errno(w.resource + ": write " + value + " to " + file, err);
}

int write_line(int fd, std::string_view value)
{
    std::string line(value);
    line += '\n';
    for (;;) {
        ssize_t n = ::write(fd, line.data(), line.size());
        if (n >= 0)
            return static_cast<std::size_t>(n) == line.size() ? 0 : EIO;
        if (errno != EINTR)
            return errno;
    }
}

// The file of the last write, kept open for the next one if it goes to the
// same file: the device rules are a dozen writes to devices.allow.
class OpenFile {
public:
    int write(int dir, const std::string& name, std::string_view value)
    {
        if (!fd_ || dir != dir_ || name != name_) {
            name_.clear();
            fd_.reset(::openat(dir, name.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW));
            if (!fd_)
                return errno;
            dir_ = dir;
            name_ = name;
        }
        return write_line(fd_.get(), value);
    }

private:
    int dir_ = -1;
    std::string name_;
    util::unique_fd fd_;
};

// 0, or the errno of the write that counts (the alias's when there is one).
int attempt(OpenFile& file, int dir, const Write& w, std::string* used_file, std::string* used_value)
{
    *used_file = w.file;
    *used_value = w.value;
    int err = file.write(dir, w.file, w.value);
    if (err == ENOENT && !w.alias.empty()) {
        *used_file = w.alias;
        *used_value = w.alias_value.empty() ? w.value : w.alias_value;
        err = file.write(dir, *used_file, *used_value);
    }
    return err;
}

void check_read_back(int dir, const Write& w)
{
    std::string now = last_line(read_cgroup_file(dir, w.file));
    if (now == w.value)
        return;
    bool lower = parse_counter(now) < parse_counter(w.value);
    throw Error(w.resource + ": wrote " + w.value + " to " + w.file + " but the kernel set " + now + " (the " +
                (lower ? "maximum" : "minimum") + " it allows)");
}

} // namespace

int write_cgroup_file(int dir_fd, const std::string& name, std::string_view value)
{
    util::unique_fd fd(::openat(dir_fd, name.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW));
    if (!fd)
        return errno;
    return write_line(fd.get(), value);
}

void apply_writes(const std::vector<Write>& writes, const DirForController& dir_for)
{
    struct Deferred {
        const Write* write;
        int dir;
    };
    std::vector<Deferred> deferred;
    OpenFile open_file;
    auto retry_deferred = [&] {
        for (const auto& d : deferred) {
            std::string file, value;
            if (int err = attempt(open_file, d.dir, *d.write, &file, &value))
                refused(*d.write, file, value, err);
        }
        deferred.clear();
    };

    for (const auto& w : writes) {
        int dir = dir_for(w.controller);
        if (dir < 0)
            throw Error(w.resource + ": the " + w.controller + " cgroup controller is not available on this host");
        std::string file, value;
        int err = attempt(open_file, dir, w, &file, &value);
        if (err == ENOENT && w.skip_if_missing) {
            log_debug(w.resource + ": " + file + " does not exist on this kernel, skipped");
            continue;
        }
        if (err == EINVAL && w.retry_after_next) {
            deferred.push_back({&w, dir});
            continue;
        }
        if (err != 0)
            refused(w, file, value, err);
        if (w.read_back)
            check_read_back(dir, w);
        if (!w.retry_after_next)
            retry_deferred();
    }
    retry_deferred();
}

} // namespace oci::cgroups
