// The container's terminal: a pty from the container's own devpts, its
// slave as /dev/console and the process's controlling terminal, and the
// master handed to whoever holds the console socket.
#pragma once

#include "util/unique_fd.hpp"

#include <string>

namespace oci::sys {

struct Pty {
    util::unique_fd master;
    util::unique_fd slave;
};

// Opens /dev/pts/ptmx below root_fd, checks it is a devpts device, unlocks it
// and gets the slave with TIOCGPTPEER (never by /dev/pts/N name: D7).
Pty open_container_pty(int root_fd);

void set_window_size(int tty_fd, unsigned rows, unsigned cols);

// Binds the slave onto /dev/console (created as an empty file if missing).
void mount_console(int root_fd, int slave_fd);

// setsid, TIOCSCTTY, and the slave as stdin/stdout/stderr.
void make_controlling_terminal(int slave_fd);

// Connects to the unix socket at path and sends fd with SCM_RIGHTS, as runc
// does for --console-socket.
void send_to_console_socket(const std::string& socket_path, int fd);

} // namespace oci::sys
