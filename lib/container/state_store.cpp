// The state directory of one container and the record inside it.
#include "container/state_store.hpp"

#include "util/fs.hpp"
#include "spec/json_writer.hpp"

#include <oci/error.hpp>

#include <yajl/yajl_tree.h>

#include <fcntl.h>
#include <stdio.h>   // renameat2
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace oci::core {

namespace {

struct TreeDeleter {
    void operator()(yajl_val v) const { yajl_tree_free(v); }
};

const char* status_json(Status s) { return to_string(s); }

Status status_from(const std::string& s)
{
    if (s == "creating") return Status::creating;
    if (s == "created") return Status::created;
    if (s == "running") return Status::running;
    if (s == "paused") return Status::paused;
    return Status::stopped;
}

yajl_val field(yajl_val obj, const char* name, yajl_type type)
{
    const char* path[] = {name, nullptr};
    return yajl_tree_get(obj, path, type);
}

std::string string_field(yajl_val obj, const char* name)
{
    yajl_val v = field(obj, name, yajl_t_string);
    return v ? YAJL_GET_STRING(v) : "";
}

uint64_t uint_field(yajl_val obj, const char* name)
{
    yajl_val v = field(obj, name, yajl_t_number);
    return v && YAJL_IS_NUMBER(v) ? std::strtoull(YAJL_GET_NUMBER(v), nullptr, 10) : 0;
}

void read_string_map(yajl_val obj, std::map<std::string, std::string>& out)
{
    if (obj == nullptr)
        return;
    for (size_t i = 0; i < obj->u.object.len; ++i)
        if (YAJL_IS_STRING(obj->u.object.values[i]))
            out[obj->u.object.keys[i]] = YAJL_GET_STRING(obj->u.object.values[i]);
}

void write_layout(spec::json::Writer& w, const cgroups::Layout& layout)
{
    auto hierarchy = [&](const cgroups::Hierarchy& h) {
        w.begin_object();
        w.key("dir"); w.string(h.dir);
        w.key("mountRoot"); w.string(h.mount_root);
        w.key("controllers"); w.strings(h.controllers);
        w.key("v2"); w.boolean(h.v2);
        w.end_object();
    };
    w.begin_object();
    w.key("mode"); w.string(cgroups::to_string(layout.mode));
    w.key("v1");
    w.begin_array();
    for (const auto& h : layout.v1)
        hierarchy(h);
    w.end_array();
    if (layout.unified) {
        w.key("unified");
        hierarchy(*layout.unified);
    }
    w.end_object();
}

std::optional<cgroups::Hierarchy> read_hierarchy(yajl_val o)
{
    yajl_val dir = field(o, "dir", yajl_t_string);
    yajl_val root = field(o, "mountRoot", yajl_t_string);
    yajl_val controllers = field(o, "controllers", yajl_t_array);
    if (!dir || !root || !controllers)
        return std::nullopt;
    cgroups::Hierarchy h;
    h.dir = YAJL_GET_STRING(dir);
    h.mount_root = YAJL_GET_STRING(root);
    for (size_t i = 0; i < controllers->u.array.len; ++i) {
        if (!YAJL_IS_STRING(controllers->u.array.values[i]))
            return std::nullopt;
        h.controllers.push_back(YAJL_GET_STRING(controllers->u.array.values[i]));
    }
    h.v2 = field(o, "v2", yajl_t_true) != nullptr;
    return h;
}

std::optional<cgroups::Layout> read_layout(yajl_val o)
{
    if (o == nullptr)
        return std::nullopt;
    cgroups::Layout layout;
    std::string mode = string_field(o, "mode");
    if (mode == cgroups::to_string(cgroups::Mode::unified))
        layout.mode = cgroups::Mode::unified;
    else if (mode == cgroups::to_string(cgroups::Mode::hybrid))
        layout.mode = cgroups::Mode::hybrid;
    else if (mode == cgroups::to_string(cgroups::Mode::legacy))
        layout.mode = cgroups::Mode::legacy;
    else
        return std::nullopt;
    yajl_val v1 = field(o, "v1", yajl_t_array);
    if (!v1)
        return std::nullopt;
    for (size_t i = 0; i < v1->u.array.len; ++i) {
        auto h = YAJL_IS_OBJECT(v1->u.array.values[i]) ? read_hierarchy(v1->u.array.values[i]) : std::nullopt;
        if (!h)
            return std::nullopt;
        layout.v1.push_back(std::move(*h));
    }
    if (yajl_val u = field(o, "unified", yajl_t_object)) {
        layout.unified = read_hierarchy(u);
        if (!layout.unified)
            return std::nullopt;
    }
    return layout;
}

} // namespace

std::string record_to_json(const Record& r)
{
    spec::json::Writer w(false);
    w.begin_object();
    w.key("ociVersion"); w.string(r.oci_version);
    w.key("id"); w.string(r.id);
    w.key("status"); w.string(status_json(r.status));
    w.key("pid"); w.integer(r.pid);
    w.key("pidStartTime"); w.integer(r.pid_start_time);
    w.key("bundle"); w.string(r.bundle);
    w.key("rootfs"); w.string(r.rootfs);
    w.key("created"); w.string(r.created);
    w.key("owner"); w.integer(r.owner_uid);
    w.key("ownPidNamespace"); w.boolean(r.own_pid_ns);
    w.key("hasHooks"); w.boolean(r.has_hooks);
    w.key("annotations"); w.string_map(r.annotations);
    w.key("cgroup"); w.string_map(r.cgroup);
    if (r.cgroup_layout) {
        w.key("cgroupLayout");
        write_layout(w, *r.cgroup_layout);
    }
    w.end_object();
    return w.text();
}

Record record_from_json(const std::string& text, const std::string& source)
{
    char err[256] = "";
    std::unique_ptr<std::remove_pointer_t<yajl_val>, TreeDeleter> root(yajl_tree_parse(text.c_str(), err, sizeof err));
    if (!root || !YAJL_IS_OBJECT(root.get()))
        throw Error(source + ": corrupt state file" + (err[0] ? std::string(": ") + err : std::string()));
    yajl_val o = root.get();
    Record r;
    r.oci_version = string_field(o, "ociVersion");
    r.id = string_field(o, "id");
    r.status = status_from(string_field(o, "status"));
    r.pid = static_cast<pid_t>(uint_field(o, "pid"));
    r.pid_start_time = uint_field(o, "pidStartTime");
    r.bundle = string_field(o, "bundle");
    r.rootfs = string_field(o, "rootfs");
    r.created = string_field(o, "created");
    r.owner_uid = static_cast<uint32_t>(uint_field(o, "owner"));
    r.own_pid_ns = field(o, "ownPidNamespace", yajl_t_true) != nullptr;
    r.has_hooks = field(o, "hasHooks", yajl_t_true) != nullptr;
    read_string_map(field(o, "annotations", yajl_t_object), r.annotations);
    read_string_map(field(o, "cgroup", yajl_t_object), r.cgroup);
    r.cgroup_layout = read_layout(field(o, "cgroupLayout", yajl_t_object));
    return r;
}

bool still_named(int root_fd, const std::string& id, int dir_fd)
{
    struct stat held, named;
    return ::fstat(dir_fd, &held) == 0 && held.st_nlink != 0 &&
           ::fstatat(root_fd, id.c_str(), &named, AT_SYMLINK_NOFOLLOW) == 0 && named.st_dev == held.st_dev &&
           named.st_ino == held.st_ino;
}

uint64_t process_start_time(pid_t pid)
{
    if (pid <= 0)
        return 0;
    // A foreground run asks after its container has exited: the usual answer
    // is "gone", which is no exception.
    std::string stat;
    try {
        auto text = util::read_file_if_exists("/proc/" + std::to_string(pid) + "/stat");
        if (!text)
            return 0;
        stat = std::move(*text);
    } catch (const Error&) {
        return 0;
    }
    // The command name may hold spaces and parentheses: count fields after the last ')'.
    auto close = stat.rfind(')');
    if (close == std::string::npos)
        return 0;
    const char* p = stat.c_str() + close + 2;   // field 3 (state)
    for (int field_no = 3; field_no < 22 && *p; ++field_no) {
        p = std::strchr(p, ' ');
        if (p == nullptr)
            return 0;
        ++p;
    }
    // A zombie has exited: the container is stopped even before it is reaped.
    if (stat[close + 2] == 'Z' || stat[close + 2] == 'X')
        return 0;
    return std::strtoull(p, nullptr, 10);
}

// `start` removes exec.fifo when it releases the init and writes no new
// state: a created container without the fifo has been started (as runc
// tells them apart). One state write fewer per start. A foreground `run`
// starts its container through pipes and never makes the fifo.
static Record with_start_seen(Record r, int dir_fd)
{
    if (r.status == Status::created && ::faccessat(dir_fd, kExecFifo, F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
        errno == ENOENT)
        r.status = Status::running;
    return r;
}

Status live_status(const Record& r)
{
    if (r.status == Status::stopped || (r.status == Status::creating && r.pid <= 0))
        return r.status;
    // A creating record whose init is gone was left by a create or run that
    // failed or was killed (run records created after its start byte).
    if (r.pid <= 0 || process_start_time(r.pid) != r.pid_start_time)
        return Status::stopped;
    return r.status;
}

State to_public_state(const Record& r)
{
    return to_public_state(r, live_status(r));
}

State to_public_state(const Record& r, Status status)
{
    State s;
    s.oci_version = r.oci_version;
    s.id = r.id;
    s.status = status;
    s.pid = s.status == Status::stopped ? 0 : r.pid;
    s.bundle = r.bundle;
    s.annotations = r.annotations;
    s.rootfs = r.rootfs;
    s.created = r.created;
    s.owner = r.owner_uid == 0 ? "" : std::to_string(r.owner_uid);
    return s;
}

util::unique_fd StateDir::open_root(const std::string& root, bool create)
{
    if (create && ::mkdir(root.c_str(), 0700) < 0 && errno != EEXIST) {
        // Create missing parents (e.g. $XDG_RUNTIME_DIR/ocirun) one level up only.
        auto slash = root.rfind('/');
        if (errno == ENOENT && slash != std::string::npos && slash > 0) {
            ::mkdir(root.substr(0, slash).c_str(), 0700);
            if (::mkdir(root.c_str(), 0700) < 0 && errno != EEXIST)
                throw_errno("create state root " + root);
        } else {
            throw_errno("create state root " + root);
        }
    }
    util::unique_fd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd)
        throw_errno("open state root " + root);
    return fd;
}

StateDir StateDir::reserve(int root_fd, const std::string& root, const std::string& id)
{
    // The directory a delete emptied and set aside is taken by one rename where
    // there is one: each directory made and removed costs the state filesystem
    // an inode and a block, and ext4 mounted with discard a synchronous discard
    // of that block when it is freed so soon after it was allocated.
    if (::renameat2(root_fd, kSpareDir, root_fd, id.c_str(), RENAME_NOREPLACE) < 0) {
        if (errno == EEXIST)
            throw Error("container ID already exists", EEXIST);
        if (::mkdirat(root_fd, id.c_str(), 0700) < 0) {
            if (errno == EEXIST)
                throw Error("container ID already exists", EEXIST);
            throw_errno("create state directory " + root + "/" + id);
        }
    }
    util::unique_fd dir(::openat(root_fd, id.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir || ::flock(dir.get(), LOCK_EX) < 0) {
        int e = errno;
        ::unlinkat(root_fd, id.c_str(), AT_REMOVEDIR);
        throw_errno("lock state directory " + root + "/" + id, e);
    }
    return StateDir(std::move(dir), root + "/" + id, id);
}

std::optional<StateDir> StateDir::open_locked(int root_fd, const std::string& root, const std::string& id)
{
    util::unique_fd dir(::openat(root_fd, id.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) {
        if (errno == ENOENT)
            return std::nullopt;
        throw_errno("open state directory " + root + "/" + id);
    }
    while (::flock(dir.get(), LOCK_EX) < 0)
        if (errno != EINTR)
            throw_errno("lock state directory " + root + "/" + id);
    // A delete that held the lock before us may have removed the directory,
    // or set it aside, and a create may have taken it for another container.
    if (!still_named(root_fd, id, dir.get()))
        return std::nullopt;
    return StateDir(std::move(dir), root + "/" + id, id);
}

void StateDir::unlock() const
{
    ::flock(dir_.get(), LOCK_UN);
}

bool StateDir::relock(int root_fd) const
{
    while (::flock(dir_.get(), LOCK_EX) < 0)
        if (errno != EINTR)
            throw_errno("lock state directory " + path_);
    return still_named(root_fd, id_, dir_.get());
}

std::optional<Record> StateDir::read() const
{
    std::string text;
    try {
        text = util::read_file_at(dir_.get(), kStateFile);
    } catch (const Error& e) {
        if (e.code() == ENOENT)
            return std::nullopt;
        throw;
    }
    return with_start_seen(record_from_json(text, path_ + "/" + kStateFile), dir_.get());
}

void StateDir::write(const Record& record) const
{
    util::write_file_atomic(dir_.get(), kStateFile, record_to_json(record), 0600);
}

void StateDir::remove(int root_fd)
{
    // Emptied through our own fd, then kept as the spare unless there is one.
    util::remove_contents(dir_.get());
    if (::renameat2(root_fd, id_.c_str(), root_fd, kSpareDir, RENAME_NOREPLACE) == 0)
        return;
    util::remove_tree_at(root_fd, id_);
}

std::optional<Record> read_record_unlocked(int root_fd, const std::string& id, util::unique_fd* dir_out)
{
    std::string text;
    util::unique_fd dir;
    try {
        dir.reset(::openat(root_fd, id.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!dir) {
            if (errno == ENOENT)
                return std::nullopt;
            throw_errno("open state directory of " + id);
        }
        text = util::read_file_at(dir.get(), kStateFile);
    } catch (const Error& e) {
        if (e.code() == ENOENT) {
            Record creating;
            creating.id = id;
            creating.status = Status::creating;
            if (dir_out)
                *dir_out = std::move(dir);
            return creating;
        }
        throw;
    }
    Record r = with_start_seen(record_from_json(text, id + "/" + kStateFile), dir.get());
    // The directory went to another container (through the spare) while we read.
    if (r.id != id)
        return std::nullopt;
    if (dir_out)
        *dir_out = std::move(dir);
    return r;
}

} // namespace oci::core
