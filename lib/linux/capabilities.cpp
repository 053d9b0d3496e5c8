// Capabilities: names -> bits, bounding set via prctl, the rest via libcap.
#include "linux/capabilities.hpp"

#include "util/fs.hpp"

#include <oci/error.hpp>
#include <oci/log.hpp>

#include <sys/capability.h>
#include <sys/prctl.h>

#include <cerrno>
#include <cstdlib>

namespace oci::sys {

int last_cap()
{
    static int cached = -1;
    if (cached < 0) {
        try {
            cached = std::atoi(util::read_file("/proc/sys/kernel/cap_last_cap").c_str());
        } catch (const Error&) {
            cached = CAP_LAST_CAP;
        }
    }
    return cached;
}

namespace {

std::optional<uint64_t> to_mask(const std::optional<std::vector<std::string>>& names, const char* set)
{
    if (!names)
        return std::nullopt;
    uint64_t mask = 0;
    for (const auto& name : *names) {
        cap_value_t value;
        if (cap_from_name(name.c_str(), &value) < 0 || value > last_cap()) {
            log_warning(std::string("capability ") + name + " in the " + set + " set is unknown to this kernel; ignored");
            continue;
        }
        mask |= uint64_t{1} << value;
    }
    return mask;
}

} // namespace

CapabilitySets resolve_capabilities(const spec::Capabilities& caps)
{
    CapabilitySets out;
    // A set left out of a present capabilities object is empty, as in runc.
    out.bounding = to_mask(caps.bounding, "bounding").value_or(0);
    out.effective = to_mask(caps.effective, "effective").value_or(0);
    out.permitted = to_mask(caps.permitted, "permitted").value_or(0);
    out.inheritable = to_mask(caps.inheritable, "inheritable").value_or(0);
    out.ambient = to_mask(caps.ambient, "ambient").value_or(0);
    return out;
}

void apply_bounding_set(const CapabilitySets& sets)
{
    if (!sets.bounding)
        return;
    for (int c = 0; c <= last_cap(); ++c) {
        if (*sets.bounding & (uint64_t{1} << c))
            continue;
        if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
            throw_errno("drop capability " + std::to_string(c) + " from the bounding set");
    }
}

void apply_capability_sets(const CapabilitySets& sets)
{
    cap_t caps = cap_get_proc();
    if (caps == nullptr)
        throw_errno("read capabilities");
    struct Free {
        cap_t c;
        ~Free() { cap_free(c); }
    } guard{caps};

    auto set_flag = [&](cap_flag_t flag, uint64_t mask) {
        cap_clear_flag(caps, flag);
        for (int c = 0; c <= last_cap(); ++c) {
            if (mask & (uint64_t{1} << c)) {
                cap_value_t v = c;
                if (cap_set_flag(caps, flag, 1, &v, CAP_SET) < 0)
                    throw_errno("set capability " + std::to_string(c));
            }
        }
    };
    if (sets.effective)
        set_flag(CAP_EFFECTIVE, *sets.effective);
    if (sets.permitted)
        set_flag(CAP_PERMITTED, *sets.permitted);
    set_flag(CAP_INHERITABLE, sets.inheritable);
    if (cap_set_proc(caps) < 0)
        throw_errno("apply capabilities");

    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        throw_errno("clear ambient capabilities");
    for (int c = 0; c <= last_cap(); ++c) {
        if (sets.ambient & (uint64_t{1} << c)) {
            // Ambient needs the cap in permitted and inheritable; runc skips the rest.
            if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
                log_warning("cannot raise ambient capability " + std::to_string(c) + ": not in permitted and inheritable");
        }
    }
}

} // namespace oci::sys
