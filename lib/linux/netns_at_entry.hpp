// A network namespace started at the program's entry point, for a create or
// run whose config asks for a new one. Making it costs about half a
// millisecond, and at the entry point nothing else runs on the other CPU:
// a child of the first image makes it while the sealed image starts and
// reads the config, and hands it over a socket that survives the re-execution.
// The environment names the socket and the child (kNetnsAtEntry).
//
// The config is only peeked at here, to guess: create decides from the parsed
// config whether it takes the namespace, and makes its own where no child was
// started. A wrong guess costs time, never a different container.
#pragma once

namespace oci::sys {

// "<socket fd>,<child pid>"
inline constexpr const char kNetnsAtEntry[] = "_OCIRUN_NETNS_AT_ENTRY";

// The steps of making a namespace, for the error that names the one failed.
enum NetnsStep : int {
    kNetnsUnshare = 1,
    kNetnsSocket,
    kNetnsReadFlags,
    kNetnsSetUp,
    kNetnsOpen,
};

// Makes a new network namespace for the calling process with loopback up, by
// raw system calls only: for the entry point's child, and for a CLONE_VM child
// that shares the caller's errno. Returns 0 with the namespace's fd
// (O_CLOEXEC) in ns_fd, or the errno of the step that failed, set in `step`.
int make_netns_with_loopback(int& ns_fd, int& step);

// What the entry point's child sends: err 0 with the namespace's fd attached,
// or the errno of the step that failed.
struct NetnsAtEntryReport {
    int err;
    int step;
};

// Whether the config text of `fd` has linux.namespaces with a new network
// namespace (no path) and no user namespace. Reads no further than the
// namespaces array.
bool config_wants_netns_at_entry(int fd);

// The child of a started namespace; pid 0 if none was started.
struct NetnsAtEntry {
    int sock = -1;
    int pid = 0;
};

// For `bundle` (a directory; "." is the working directory): if we are root
// and its config.json wants the namespace, starts the child. The returned
// socket is not close-on-exec: it is meant to survive one execve.
NetnsAtEntry start_netns_at_entry(const char* bundle);

// Writes "kNetnsAtEntry=<sock>,<pid>" to out; false if it does not fit.
bool netns_at_entry_env(const NetnsAtEntry& started, char* out, unsigned long room);

// Sends fd to the child's end of the socket, which the child never reads: the
// file's last reference goes with the child's exit, and whatever that costs
// (a detached mount's dissolution waits for an RCU grace period) is paid
// there, beside us. The caller closes its own fd.
void park_with_netns_maker(const NetnsAtEntry& started, int fd);

// When the execve does not happen after all: closes the socket, and kills
// and reaps the child.
void abandon_netns_at_entry(const NetnsAtEntry& started);

} // namespace oci::sys
