// running_rootless: what the runtime may do on the host decides, not the euid alone.
#include "linux/namespaces.hpp"

#include <oci/runtime.hpp>

#include <unistd.h>

namespace oci {

bool running_rootless()
{
    return ::geteuid() != 0 || !sys::in_initial_user_ns();
}

} // namespace oci
