// OCI hooks: a program run with the container's state JSON on stdin, its
// args and env, killed when its timeout expires.
#pragma once

#include <oci/spec.hpp>

#include <string>
#include <vector>

namespace oci::core {

// Runs each hook in order; the first failure throws an oci::Error naming the
// hook kind, its index and path, the exit status and what it printed, e.g.
//   createRuntime hook #0 (/usr/bin/netns-setup): exit status 1: <stderr>
void run_hooks(const std::vector<spec::Hook>& hooks, const char* kind, const std::string& state_json);

// Like run_hooks but logs failures as warnings and runs every hook (poststop).
void run_hooks_best_effort(const std::vector<spec::Hook>& hooks, const char* kind, const std::string& state_json);

} // namespace oci::core
