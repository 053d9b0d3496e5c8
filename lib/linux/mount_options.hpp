// Translation of a mount's `options` strings into mount(2) flags, propagation
// changes, recursive mount_setattr attributes and filesystem data. Pure code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace oci::sys {

struct MountOptions {
    unsigned long flags = 0;              // MS_* set on the mount (incl. MS_BIND, MS_REC)
    unsigned long cleared = 0;            // MS_* explicitly turned off ("rw", "suid", ...)
    std::vector<unsigned long> propagation;  // MS_SHARED|MS_REC ..., applied in order
    uint64_t rec_attr_set = 0;            // MOUNT_ATTR_* for "rro", "rnosuid", ...
    uint64_t rec_attr_clr = 0;
    std::string data;                     // everything else, comma-joined, for the fs
    bool idmap = false;                   // "idmap"/"ridmap": an id-mapped bind
    bool tmpcopyup = false;

    bool is_bind() const { return (flags & 0x1000 /* MS_BIND */) != 0; }
};

MountOptions parse_mount_options(const std::vector<std::string>& options);

// Every option name parse_mount_options() understands (for `features`).
std::vector<std::string> known_mount_options();

// The flags that must be kept on a bind remount because the kernel locks
// them when the mount is used from a less privileged user namespace.
unsigned long locked_flags_from_statvfs(unsigned long statvfs_flags);

} // namespace oci::sys
