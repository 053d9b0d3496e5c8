// Directory and file steps of the cgroup drivers.
#include "cgroups/cgroup_fs.hpp"

#include "cgroups/writer.hpp"
#include "util/fs.hpp"
#include "util/strings.hpp"
#include "util/unique_fd.hpp"

#include <oci/error.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace oci::cgroups {

std::string read_cgroup_file(int dir_fd, const std::string& name)
{
    return util::read_file_at(dir_fd, name);
}

std::string read_cgroup_file(const std::string& path)
{
    return util::read_file(path);
}

std::string last_line(const std::string& text)
{
    std::string::size_type end = text.size();
    while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == ' '))
        --end;
    auto start = text.rfind('\n', end == 0 ? 0 : end - 1);
    start = start == std::string::npos ? 0 : start + 1;
    return end > start ? text.substr(start, end - start) : std::string();
}

std::map<std::string, std::string> parse_keyed(const std::string& text)
{
    std::map<std::string, std::string> out;
    for (std::string_view line : util::lines(text)) {
        auto space = line.find(' ');
        if (space == std::string::npos || space == 0)
            continue;
        out[std::string(line.substr(0, space))] = std::string(line.substr(space + 1));
    }
    return out;
}

uint64_t parse_counter(const std::string& text, uint64_t max_value)
{
    std::string t = last_line(text);
    if (t.empty() || t == "max")
        return max_value;
    try {
        std::size_t used = 0;
        uint64_t v = std::stoull(t, &used);
        return used == t.size() ? v : max_value;
    } catch (const std::exception&) {
        return max_value;
    }
}

void make_cgroup_path(const std::string& base, const std::string& rel, std::vector<std::string>* created_dirs,
                      const std::function<void(const std::string&, const std::string&, bool)>& at_level)
{
    std::string dir = base;
    std::string::size_type start = 0;
    while (start < rel.size()) {
        auto end = rel.find('/', start);
        if (end == std::string::npos)
            end = rel.size();
        if (end > start) {
            std::string parent = dir;
            dir += "/" + rel.substr(start, end - start);
            bool created = ::mkdir(dir.c_str(), 0755) == 0;
            if (!created && errno != EEXIST)
                throw_errno("create cgroup " + dir);
            if (created && created_dirs)
                created_dirs->push_back(dir);
            if (at_level)
                at_level(parent, dir, created);
        }
        start = end + 1;
    }
}

namespace {

std::vector<std::string> subdirs(const std::string& dir)
{
    std::vector<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr)
        return out;
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (e->d_type == DT_DIR && name != "." && name != "..")
            out.push_back(dir + "/" + name);
    }
    ::closedir(d);
    return out;
}

void collect_procs(const std::string& dir, bool recursive, std::vector<pid_t>& out)
{
    std::string text = read_cgroup_file(dir + "/cgroup.procs");
    for (std::string_view line : util::lines(text))
        if (!line.empty())
            out.push_back(static_cast<pid_t>(std::stol(std::string(line))));
    if (recursive)
        for (const auto& sub : subdirs(dir))
            collect_procs(sub, true, out);
}

} // namespace

std::vector<pid_t> read_procs(const std::string& dir, bool recursive)
{
    std::vector<pid_t> out;
    collect_procs(dir, recursive, out);
    return out;
}

void move_pid(const std::string& dir, pid_t pid)
{
    util::unique_fd fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd)
        throw_errno("open cgroup " + dir);
    int err = 0;
    for (int attempt = 0; attempt < 5; ++attempt) {
        err = write_cgroup_file(fd.get(), "cgroup.procs", std::to_string(pid));
        if (err != EINVAL)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    if (err != 0)
        throw_errno("add process " + std::to_string(pid) + " to cgroup " + dir, err);
}

void remove_cgroup(const std::string& dir, const std::function<void()>& on_busy, int attempts)
{
    // rmdir first: a cgroup's directory lists dozens of control files, and
    // one with children answers EBUSY, which is the time to look for them.
    for (int attempt = 0;; ++attempt) {
        if (::rmdir(dir.c_str()) == 0 || errno == ENOENT)
            return;
        int err = errno;
        if ((err != EBUSY && err != ENOTEMPTY) || attempt >= attempts)
            throw_errno("remove cgroup " + dir, err);
        auto children = subdirs(dir);
        for (const auto& sub : children)
            remove_cgroup(sub, on_busy, attempts);
        if (!children.empty())
            continue;
        if (err != EBUSY)
            throw_errno("remove cgroup " + dir, err);
        if (on_busy)
            on_busy();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

} // namespace oci::cgroups
