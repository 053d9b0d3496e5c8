// The running binary seen through a detached, read-only overlayfs of its own
// directory: a view that no one can write, whatever is done to the mount
// (an overlay without an upper layer has nowhere to write to), made with a
// mount rather than a copy. D1 re-executes ocirun from it.
//
// Written for two callers: ensure_running_sealed(), and the program's entry
// point before the C library has started (runtime/early_entry.cpp). So it
// makes its system calls itself, calls no library function and keeps no data
// that would need relocating.
#pragma once

namespace oci::sys {

// The running binary (`exe_fd`: /proc/self/exe, opened) through such a view,
// O_RDONLY | O_CLOEXEC, if the file the view shows is a read-only overlayfs
// file of the same size, mode and modification time (the binary that runs,
// not one installed over it since). -1 where no overlayfs can be mounted (no
// privilege, fsopen blocked, an old kernel) or the checks fail. With
// mount_out, the view's detached mount comes back open (O_CLOEXEC) instead of
// closed, for the caller to close where it costs less: the last close
// dissolves the mount and waits for an RCU grace period.
int open_running_view(int exe_fd, int* mount_out = nullptr);

// Whether fd is a file on a read-only overlayfs.
bool on_readonly_overlay(int fd);

// Re-executes the running program from its view, with kOverlayMarker set in
// the environment: the program's first act, before the C library starts.
// Returns if the marker is set already (we are the re-executed image) or
// no view can be had; ensure_running_sealed() then does what is needed.
// With `netns_bundle`, a network namespace for that bundle's container is
// started first and passed on (netns_at_entry.hpp).
void exec_overlay_view(char** argv, char** envp, const char* netns_bundle = nullptr);

// The environment variable a re-execution from the view sets; its value says
// where: "1" from ensure_running_sealed(), "entry" from the entry point.
inline constexpr const char kOverlayMarker[] = "_OCIRUN_EXE_OVERLAY";
inline constexpr const char kOverlayMarkerAtEntry[] = "_OCIRUN_EXE_OVERLAY=entry";

} // namespace oci::sys
