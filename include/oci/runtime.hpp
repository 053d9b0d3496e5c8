// The public entry point of liboci: a Runtime manages containers whose state
// lives under one root directory, with runc's lifecycle
// (creating -> created -> running -> stopped).
//
// Embedding note: when a container has no pid namespace of its own, its
// processes may be re-parented to the caller; a long-lived embedder should be
// a child subreaper (PR_SET_CHILD_SUBREAPER) and reap them.
#pragma once

#include <oci/spec.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace oci {

enum class Status { creating, created, running, paused, stopped };
const char* to_string(Status status);

// What `ocirun state` prints: the runtime-spec state document.
struct State {
    std::string oci_version;
    std::string id;
    Status status = Status::stopped;
    pid_t pid = 0;                    // 0 once stopped
    std::string bundle;
    std::map<std::string, std::string> annotations;
    // Extra fields runc prints and engines read; not part of the spec's schema.
    std::string rootfs;
    std::string created;              // RFC 3339, UTC
    std::string owner;
};

// state.json as the spec's schema, plus runc's rootfs/created/owner fields.
std::string state_to_json(const State& state);

struct RuntimeOptions {
    std::string root = "/run/ocirun";
    bool systemd_cgroup = false;
    // No cgroup of its own: the container stays in its creator's cgroup and
    // linux.resources is not applied (crun's `--cgroup-manager disabled`).
    bool cgroups_disabled = false;
};

struct CreateOptions {
    std::string bundle = ".";
    std::string pid_file;
    std::string console_socket;
    bool no_pivot = false;
    bool no_new_keyring = false;
    unsigned preserve_fds = 0;        // fds 3 .. 3+N-1 are passed on
    // Socket activation (sd_listen_fds): N more fds after the preserved ones
    // are passed on, and the process gets LISTEN_FDS=N and LISTEN_PID=1.
    unsigned listen_fds = 0;
    // sd_notify (the engine's NOTIFY_SOCKET, '@' = abstract): the container
    // gets a socket of ours at /run/notify/notify.sock instead.
    std::string notify_socket;
};

struct StartOptions {
    // Forward the container's READY= (with MAINPID) to this socket and
    // return once it came or the container exited. Needs a container created
    // with CreateOptions::notify_socket; ignored otherwise.
    std::string notify_socket;
};

// How `run` treats the container once started.
struct RunOptions {
    CreateOptions create;
    bool detach = false;
};

// A new process in a running container (`ocirun exec`). Either `process` (a
// complete process.json) or `args` plus overrides of the container's process.
struct ExecOptions {
    std::optional<spec::Process> process;
    std::vector<std::string> args;
    bool tty = false;
    std::string console_socket;
    bool detach = false;
    std::string pid_file;
    std::string cwd;
    std::vector<std::string> env;             // KEY=VALUE, replacing the container's
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;
    std::vector<uint32_t> additional_gids;
    // Added to the bounding, effective and permitted sets only: never to the
    // inheritable or ambient ones (CVE-2022-29162).
    std::vector<std::string> caps;
    bool no_new_privs = false;
    std::string apparmor_profile;
    std::string process_label;
    unsigned preserve_fds = 0;
    bool ignore_paused = false;
};

// The process an exec runs: `options.process` as given, or the container's
// own process with the overrides applied. Pure; exposed for embedders' checks.
spec::Process exec_process(const spec::Process& container_process, const ExecOptions& options);

// One event of `events`, as runc prints it: {"type":"stats","id":...,"data":{...}}
// or {"type":"oom","id":...}.
struct Event {
    std::string type;
    std::string id;
    std::string data;   // a JSON object; empty when the event has none
};
std::string event_to_json(const Event& event);

class Runtime {
public:
    explicit Runtime(RuntimeOptions options);

    // Sets the container up and leaves its init blocked before the user
    // process; on failure nothing of it is left behind.
    void create(const std::string& id, const CreateOptions& options);
    // Releases the init of a created container into the user process.
    void start(const std::string& id);
    void start(const std::string& id, const StartOptions& options);
    State state(const std::string& id) const;
    std::vector<State> list() const;
    // Signals the init (or, with all, every process of the container).
    void kill(const std::string& id, int signal, bool all);
    // Removes a stopped or created container; force kills a running one first.
    // A missing container is an error unless force is set.
    void remove(const std::string& id, bool force);
    // create + start; unless detached, waits for the user process, forwards
    // signals, removes the container and returns the exit code (128+n on a
    // signal). Detached, returns 0 once started. With a notify socket, READY
    // is forwarded as start does (MAINPID: the init when detached, this
    // process in the foreground, which lives as long as the container).
    int run(const std::string& id, const RunOptions& options);
    // Runs a process inside a created or running container. In the
    // foreground it returns the process's exit code; detached, 0 once it runs.
    int exec(const std::string& id, const ExecOptions& options);

    // Freezes / thaws every process of a running container (its cgroup).
    void pause(const std::string& id);
    void resume(const std::string& id);
    // The host pids of every process in the container's cgroup.
    std::vector<pid_t> processes(const std::string& id) const;
    // runc's `events --stats` "data" object for the container.
    std::string stats_json(const std::string& id) const;
    // The event stream of `events`: stats now and every `interval`, an "oom"
    // event each time the kernel OOM-kills in the container's cgroup. Returns
    // once the container has stopped (or is gone).
    void events(const std::string& id, std::chrono::milliseconds interval,
                const std::function<void(const Event&)>& emit) const;
    // Applies new limits to a created, running or paused container. Fields
    // left unset are unchanged.
    void update(const std::string& id, const spec::Resources& resources);

    const RuntimeOptions& options() const noexcept { return options_; }

private:
    RuntimeOptions options_;
};

// Not root on the host: euid != 0, or root of a user namespace other than
// the host's (as inside rootless Podman). Such a runtime keeps its state in
// $XDG_RUNTIME_DIR, uses only delegated cgroups and binds device nodes.
bool running_rootless();

// Container ids as runc accepts them: [A-Za-z0-9_+.-]+, not "." or "..".
void validate_container_id(const std::string& id);

// Signal names and numbers as `kill` takes them: "KILL", "SIGKILL", "9".
int parse_signal(const std::string& text);

// CVE-2019-5736: a process that will enter a container must not be the host
// binary. Call first thing in main() of a program that creates or runs
// containers: unless the program already runs from a view of its binary that
// cannot be written (a read-only overlayfs, or a sealed in-memory copy), it
// re-executes itself from one (and this call does not return).
void reexec_sealed(char** argv);

// reexec_sealed() for a program's own entry point, before the C library has
// started, so that its start-up runs once (in the sealed image) rather than
// twice. It makes its system calls itself. It returns when it cannot
// re-execute from the overlayfs view (no privilege for the mount, an
// architecture other than x86-64 or aarch64) or runs from it already:
// reexec_sealed() in main then does what is left.
//
// For a create or run, `netns_bundle` names the bundle: if we are root and
// its config.json asks for a new network namespace and no user namespace, a
// child starts making the namespace before the re-execution, and create in the
// re-executed image takes it over. Making one is the costliest step of a
// create, and nothing else runs beside the re-execution. Create decides from
// the config it parses whether it uses the namespace; a wrong guess here costs
// time only.
void reexec_sealed_at_entry(char** argv, char** envp, const char* netns_bundle = nullptr);

// The runtime-spec features document: what this build and kernel support.
std::string features_json();

struct VersionInfo {
    std::string version;
    std::string commit;
    std::string spec_version;
};
VersionInfo version_info();

} // namespace oci
