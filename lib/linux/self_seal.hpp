// D1 (CVE-2019-5736): the process that enters a container must not be the
// host's ocirun file, or the container could reach it through
// /proc/PID/exe and overwrite it. Such processes run from a view of the
// binary that can never be written: a detached overlayfs without an upper
// layer where the kernel lets us mount one, else a sealed memfd copy.
#pragma once

namespace oci::sys {

// Returns when /proc/self/exe is already such a view; otherwise re-executes
// the current program from one (does not return). Throws if it cannot.
void ensure_running_sealed(char** argv);

} // namespace oci::sys
