// Capability sets from the config, applied with libcap.
#pragma once

#include <oci/spec.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace oci::sys {

// Bit masks (bit n = capability n). A set absent from the config is nullopt
// and left as the process has it; inheritable and ambient default to empty.
struct CapabilitySets {
    std::optional<uint64_t> bounding;
    std::optional<uint64_t> effective;
    std::optional<uint64_t> permitted;
    uint64_t inheritable = 0;
    uint64_t ambient = 0;
};

// Names unknown to the running kernel are skipped with a warning, as runc
// does, so one config serves old and new kernels.
CapabilitySets resolve_capabilities(const spec::Capabilities& caps);

// Highest capability number the running kernel knows.
int last_cap();

// Before changing uid: drop everything outside the bounding set.
void apply_bounding_set(const CapabilitySets& sets);
// After changing uid: effective, permitted, inheritable, then ambient.
void apply_capability_sets(const CapabilitySets& sets);

} // namespace oci::sys
