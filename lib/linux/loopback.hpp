// The loopback interface of a new network namespace, which the kernel creates
// down: runc and crun bring it up, and engines count on it (Podman's
// `--network none` and the containers of a pod talk over 127.0.0.1).
#pragma once

namespace oci::sys {

// Sets IFF_UP on "lo" in the calling process's network namespace.
void bring_up_loopback();

} // namespace oci::sys
