// Mount option table, as runc and crun accept it.
#include "linux/mount_options.hpp"

#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

namespace oci::sys {

namespace {

struct FlagOption {
    const char* name;
    bool clear;
    unsigned long flag;
};

constexpr FlagOption kFlags[] = {
    {"defaults", false, 0},
    {"ro", false, MS_RDONLY},       {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},   {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},     {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},   {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS}, {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},   {"nomand", true, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME}, {"atime", true, MS_NOATIME},
    {"nodiratime", false, MS_NODIRATIME}, {"diratime", true, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME}, {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME}, {"nostrictatime", true, MS_STRICTATIME},
    {"lazytime", false, MS_LAZYTIME}, {"nolazytime", true, MS_LAZYTIME},
    {"silent", false, MS_SILENT},   {"loud", true, MS_SILENT},
    {"iversion", false, MS_I_VERSION}, {"noiversion", true, MS_I_VERSION},
    {"nosymfollow", false, MS_NOSYMFOLLOW}, {"symfollow", true, MS_NOSYMFOLLOW},
    {"bind", false, MS_BIND},
    {"rbind", false, MS_BIND | MS_REC},
};

struct PropagationOption {
    const char* name;
    unsigned long flag;
};

constexpr PropagationOption kPropagation[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

struct RecursiveOption {
    const char* name;
    bool clear;
    uint64_t attr;
};

constexpr RecursiveOption kRecursive[] = {
    {"rro", false, MOUNT_ATTR_RDONLY},       {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},   {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},     {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},   {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME}, {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW}, {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
    // The atime modes are one field: setting one clears the others.
    {"rrelatime", false, MOUNT_ATTR_RELATIME}, {"rnoatime", false, MOUNT_ATTR_NOATIME},
    {"rstrictatime", false, MOUNT_ATTR_STRICTATIME},
};

} // namespace

MountOptions parse_mount_options(const std::vector<std::string>& options)
{
    MountOptions out;
    for (const std::string& opt : options) {
        bool known = false;
        for (const auto& f : kFlags) {
            if (opt == f.name) {
                if (f.clear) {
                    out.flags &= ~f.flag;
                    out.cleared |= f.flag;
                } else {
                    out.flags |= f.flag;
                    out.cleared &= ~f.flag;
                }
                known = true;
                break;
            }
        }
        for (const auto& p : kPropagation) {
            if (!known && opt == p.name) {
                out.propagation.push_back(p.flag);
                known = true;
            }
        }
        for (const auto& r : kRecursive) {
            if (!known && opt == r.name) {
                if (r.attr & (MOUNT_ATTR_RELATIME | MOUNT_ATTR_NOATIME | MOUNT_ATTR_STRICTATIME))
                    out.rec_attr_clr |= MOUNT_ATTR__ATIME;
                if (r.clear) {
                    out.rec_attr_clr |= r.attr;
                    out.rec_attr_set &= ~r.attr;
                } else {
                    out.rec_attr_set |= r.attr;
                }
                known = true;
            }
        }
        if (known)
            continue;
        if (opt == "idmap" || opt == "ridmap") {
            out.idmap = true;
        } else if (opt == "tmpcopyup") {
            out.tmpcopyup = true;
        } else if (!opt.empty()) {
            if (!out.data.empty())
                out.data += ',';
            out.data += opt;
        }
    }
    return out;
}

std::vector<std::string> known_mount_options()
{
    std::vector<std::string> out;
    for (const auto& f : kFlags)
        out.emplace_back(f.name);
    for (const auto& p : kPropagation)
        out.emplace_back(p.name);
    for (const auto& r : kRecursive)
        out.emplace_back(r.name);
    out.emplace_back("tmpcopyup");
    std::sort(out.begin(), out.end());
    return out;
}

unsigned long locked_flags_from_statvfs(unsigned long f)
{
    unsigned long out = 0;
    if (f & ST_NOSUID) out |= MS_NOSUID;
    if (f & ST_NODEV) out |= MS_NODEV;
    if (f & ST_NOEXEC) out |= MS_NOEXEC;
    if (f & ST_RDONLY) out |= MS_RDONLY;
    if (f & ST_NOATIME) out |= MS_NOATIME;
    if (f & ST_NODIRATIME) out |= MS_NODIRATIME;
    if (f & ST_RELATIME) out |= MS_RELATIME;
    return out;
}

} // namespace oci::sys
