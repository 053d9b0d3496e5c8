// Whether a config asks for limits, judged by what the translators would write.
#include "cgroups/translate.hpp"

#include <oci/error.hpp>

namespace oci::cgroups {

bool limits_requested(const spec::Resources& resources)
{
    spec::Resources without_devices = resources;
    without_devices.devices.clear();
    // Either cgroup version writing anything is a limit; a setting one of
    // them cannot express (it throws) was asked for all the same.
    for (auto translate : {+[](const spec::Resources& r) { return translate_v1(r); },
                           +[](const spec::Resources& r) { return translate_v2(r); }}) {
        try {
            if (!translate(without_devices).writes.empty())
                return true;
        } catch (const Error&) {
            return true;
        }
    }
    return false;
}

} // namespace oci::cgroups
