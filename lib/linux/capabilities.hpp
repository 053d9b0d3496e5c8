// Capability sets from the config, applied with libcap.
#pragma once

#include <oci/spec.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace oci::sys {

// Bit masks (bit n = capability n). Sets left out of the config's
// capabilities object are empty; without that object (resolve_capabilities
// not called) bounding/effective/permitted stay nullopt: left as they are.
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
