// The on-disk record of a container: <root>/<id>/state.json (+ exec.fifo),
// reserved with one atomic rename of the spare directory (or mkdir) and
// guarded by an flock on the directory.
#pragma once

#include "cgroups/layout.hpp"
#include "util/unique_fd.hpp"

#include <oci/runtime.hpp>

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace oci::core {

// What ocirun keeps about a container between invocations.
struct Record {
    std::string id;
    Status status = Status::creating;   // as last written, or running once exec.fifo is gone; see live_status()
    pid_t pid = 0;                      // init's pid in ocirun's pid namespace
    uint64_t pid_start_time = 0;        // /proc/PID/stat field 22, guards against pid reuse
    std::string bundle;
    std::string rootfs;
    std::string created;
    uint32_t owner_uid = 0;
    bool own_pid_ns = true;             // kill --all / delete need to find other processes otherwise
    bool has_hooks = false;             // poststart/poststop: kConfigCopy holds them
    // The container's cgroup in each hierarchy (cgroups::Placement); empty
    // when it has none (rootless without delegation).
    std::map<std::string, std::string> cgroup;
    // The host's cgroup hierarchies as create found them, sparing later
    // commands a read of mountinfo; unset in states written before it was known.
    std::optional<cgroups::Layout> cgroup_layout;
    std::string oci_version;
    std::map<std::string, std::string> annotations;
};

std::string record_to_json(const Record& record);
// A malformed "cgroupLayout" is dropped (the layout is then read afresh), not an error.
Record record_from_json(const std::string& text, const std::string& source);

// The container's status now: created/running as recorded while the init is
// alive, stopped once it is gone (or its pid was reused).
Status live_status(const Record& record);

// Start time of a process (clock ticks since boot), 0 if it does not exist.
uint64_t process_start_time(pid_t pid);

State to_public_state(const Record& record);
// With the status the caller has established already (no second look at the init).
State to_public_state(const Record& record, Status status);

class StateDir {
public:
    // The runtime root, created 0700 if missing.
    static util::unique_fd open_root(const std::string& root, bool create);

    // Creates <root>/<id> (one mkdir: exactly one racing create wins) and locks it.
    static StateDir reserve(int root_fd, const std::string& root, const std::string& id);
    // Opens and locks an existing container's directory. nullopt if missing.
    static std::optional<StateDir> open_locked(int root_fd, const std::string& root, const std::string& id);

    int fd() const noexcept { return dir_.get(); }
    const std::string& path() const noexcept { return path_; }
    const std::string& id() const noexcept { return id_; }

    // Releases the lock but keeps the directory open; relock() takes it
    // again, and says whether the directory still has its name (a delete
    // meanwhile has removed it, or set it aside for another container).
    void unlock() const;
    bool relock(int root_fd) const;

    // Reads state.json; nullopt while a create has not written it yet.
    std::optional<Record> read() const;
    void write(const Record& record) const;
    // Deletes everything in the directory, and the directory itself or sets it
    // aside as kSpareDir, which reserve() renames into place for a new container.
    void remove(int root_fd);

private:
    StateDir(util::unique_fd dir, std::string path, std::string id)
        : dir_(std::move(dir)), path_(std::move(path)), id_(std::move(id)) {}
    util::unique_fd dir_;
    std::string path_;
    std::string id_;
};

// Whether <root>/<id> is still the directory dir_fd holds: not removed, nor
// set aside as the spare, nor taken from there for another container.
bool still_named(int root_fd, const std::string& id, int dir_fd);

// Reads a record without locking (state, list): writers replace state.json
// atomically, so a reader sees the old or the new one. `dir_out` receives the
// directory it was read from, for reading more from the same container.
std::optional<Record> read_record_unlocked(int root_fd, const std::string& id, util::unique_fd* dir_out = nullptr);

inline constexpr const char* kStateFile = "state.json";
inline constexpr const char* kExecFifo = "exec.fifo";
inline constexpr const char* kStartStatus = "start.status";
inline constexpr const char* kConfigCopy = "config.json";
// An emptied state directory that a delete set aside for the next create: not
// a container ID (no '~' in those), and hidden like every dot name.
inline constexpr const char* kSpareDir = ".~spare";

} // namespace oci::core
