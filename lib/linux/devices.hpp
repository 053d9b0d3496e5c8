// Device nodes in the container's /dev: the defaults every container gets,
// linux.devices, and the /dev symlinks. In a user namespace, where mknod is
// not allowed, nodes are bind mounts of the host's.
#pragma once

#include <oci/spec.hpp>

#include <vector>

namespace oci::sys {

// /dev/null, zero, full, random, urandom, tty: 0666, root-owned.
std::vector<spec::Device> default_devices();

// Creates each device below root_fd (the rootfs); config devices override
// defaults with the same path.
void create_devices(int root_fd, const std::vector<spec::Device>& config_devices, bool bind_from_host);

// /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr, /dev/ptmx (-> pts/ptmx).
void create_dev_symlinks(int root_fd);

} // namespace oci::sys
