#include "linux/terminal.hpp"
#include "util/fd_message.hpp"

#include "linux/safe_path.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

namespace oci::sys {

namespace {

void check_devpts(int fd, const char* what)
{
    struct statfs sfs;
    if (::fstatfs(fd, &sfs) < 0)
        throw_errno(std::string("stat ") + what);
    if (sfs.f_type != DEVPTS_SUPER_MAGIC)
        throw Error(std::string(what) + " is not on a devpts filesystem");
}

} // namespace

Pty open_container_pty(int root_fd)
{
    Pty pty;
    pty.master = open_in_root(root_fd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY);
    check_devpts(pty.master.get(), "/dev/pts/ptmx");
    int unlock = 0;
    if (::ioctl(pty.master.get(), TIOCSPTLCK, &unlock) < 0)
        throw_errno("unlock pty");
    int slave = ::ioctl(pty.master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0)
        throw_errno("open pty peer");
    pty.slave.reset(slave);
    check_devpts(pty.slave.get(), "pty peer");
    struct stat st;
    if (::fstat(pty.slave.get(), &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) < 136 || major(st.st_rdev) > 143)
        throw Error("pty peer is not a pty slave device");
    return pty;
}

void set_window_size(int tty_fd, unsigned rows, unsigned cols)
{
    struct winsize ws{};
    ws.ws_row = static_cast<unsigned short>(rows);
    ws.ws_col = static_cast<unsigned short>(cols);
    if (::ioctl(tty_fd, TIOCSWINSZ, &ws) < 0)
        throw_errno("set terminal size");
}

namespace {

// The console's mount point is made here, never found: whatever the image left at
// /dev/console (a symlink to /proc/sys/kernel/core_pattern, CVE-2025-52565; one to a
// host path, crun CVE-2026-88264) is replaced by an empty file, and the pty is bound
// onto that file's fd.
util::unique_fd console_target(int root_fd)
{
    auto dev = mkdir_all_in_root(root_fd, "/dev", 0755);
    struct stat st;
    if (::fstatat(dev.get(), "console", &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode))
            throw Error("/dev/console in the rootfs is a directory");
        if (::unlinkat(dev.get(), "console", 0) < 0)
            throw_errno("remove /dev/console from the rootfs");
    }
    int fd = ::openat(dev.get(), "console", O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0)
        ::close(fd);
    else if (errno != EEXIST)
        throw_errno("create /dev/console in the rootfs");
    util::unique_fd target(::openat(dev.get(), "console", O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!target || ::fstat(target.get(), &st) < 0)
        throw_errno("open /dev/console in the rootfs");
    if (!S_ISREG(st.st_mode))
        throw Error("/dev/console in the rootfs changed while it was made");
    return target;
}

} // namespace

void mount_console(int root_fd, int slave_fd)
{
    auto target = console_target(root_fd);
    if (::mount(fd_path(slave_fd).c_str(), fd_path(target.get()).c_str(), nullptr, MS_BIND, nullptr) < 0)
        throw_errno("bind mount the pty on /dev/console");
}

void make_controlling_terminal(int slave_fd)
{
    if (::setsid() < 0)
        throw_errno("setsid");
    if (::ioctl(slave_fd, TIOCSCTTY, 0) < 0)
        throw_errno("set controlling terminal");
    for (int fd = 0; fd <= 2; ++fd)
        if (::dup2(slave_fd, fd) < 0)
            throw_errno("dup the terminal onto fd " + std::to_string(fd));
}

void send_to_console_socket(const std::string& socket_path, int fd)
{
    util::unique_fd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock)
        throw_errno("create console socket");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof addr.sun_path)
        throw Error("console socket path is too long: " + socket_path);
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
    if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
        throw_errno("connect to console socket " + socket_path);

    char name[] = "/dev/ptmx";
    if (int err = util::send_with_fd(sock.get(), name, sizeof name - 1, fd))
        throw_errno("send the terminal to console socket " + socket_path, err);
}

} // namespace oci::sys
