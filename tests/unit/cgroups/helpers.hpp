// Test helpers for lib/cgroups: a fake cgroup tree of plain files under /tmp,
// the message of a thrown oci::Error, and lookups in a translator's plan.
#pragma once

#include "cgroups/translate.hpp"
#include "util/fs.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace cgroups_test {

template <class Fn> std::string error_of(Fn&& fn)
{
    try {
        fn();
    } catch (const oci::Error& e) {
        return e.what();
    }
    return "no error";
}

// A directory tree standing in for /sys/fs/cgroup; removed with its contents.
class FakeTree {
public:
    FakeTree()
    {
        char tmpl[] = "/tmp/ocirun-cgroups.XXXXXX";
        root_ = ::mkdtemp(tmpl);
    }
    ~FakeTree()
    {
        int fd = ::open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
        oci::util::remove_tree_at(fd, root_.substr(5));
        ::close(fd);
    }
    FakeTree(const FakeTree&) = delete;
    FakeTree& operator=(const FakeTree&) = delete;

    const std::string& root() const { return root_; }
    std::string path(const std::string& rel) const { return root_ + "/" + rel; }

    void dir(const std::string& rel) const
    {
        std::string p = root_;
        std::string::size_type start = 0;
        while (start < rel.size()) {
            auto end = rel.find('/', start);
            if (end == std::string::npos)
                end = rel.size();
            p += "/" + rel.substr(start, end - start);
            ::mkdir(p.c_str(), 0755);
            start = end + 1;
        }
    }

    // Creates dir/file for each name (empty unless content is given).
    void files(const std::string& dir_rel, const std::vector<std::string>& names, const std::string& content = "") const
    {
        dir(dir_rel);
        for (const auto& n : names)
            put(dir_rel + "/" + n, content);
    }

    void put(const std::string& rel, const std::string& content) const
    {
        int fd = ::open(path(rel).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
            throw oci::Error("fake tree: cannot create " + rel);
        if (!content.empty() && ::write(fd, content.data(), content.size()) < 0) {
            ::close(fd);
            throw oci::Error("fake tree: cannot write " + rel);
        }
        ::close(fd);
    }

    std::string read(const std::string& rel) const { return oci::util::read_file(path(rel)); }
    bool exists(const std::string& rel) const { return ::access(path(rel).c_str(), F_OK) == 0; }

private:
    std::string root_;
};

// The values written to `file`, in order.
inline std::vector<std::string> values(const oci::cgroups::Plan& plan, const std::string& file)
{
    std::vector<std::string> out;
    for (const auto& w : plan.writes)
        if (w.file == file)
            out.push_back(w.value);
    return out;
}

// "controller/file=value" of every write, in order.
inline std::vector<std::string> summary(const oci::cgroups::Plan& plan)
{
    std::vector<std::string> out;
    for (const auto& w : plan.writes)
        out.push_back((w.controller.empty() ? "" : w.controller + "/") + w.file + "=" + w.value);
    return out;
}

inline const oci::cgroups::Write& write_of(const oci::cgroups::Plan& plan, const std::string& file)
{
    for (const auto& w : plan.writes)
        if (w.file == file)
            return w;
    throw oci::Error("no write to " + file);
}

} // namespace cgroups_test
