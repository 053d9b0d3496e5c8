// The parent <-> init channel: typed messages with an fd; what the init said
// before it exited is read even when a message of ours is still unread on its
// side (the kernel reports that as ECONNRESET first); the doorbell counts every
// ring and ends its wait when the parent is gone.
#include <catch2/catch.hpp>

#include "container/sync_socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

using oci::core::Message;
using oci::core::Msg;

TEST_CASE("sync socket: typed messages with an fd, EOF when the peer is gone")
{
    oci::util::unique_fd a, b;
    oci::core::make_socketpair(a, b);
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    oci::core::send_msg(a.get(), Msg::error, 13, "mount /proc: permission denied", fd);
    ::close(fd);
    Message m;
    REQUIRE(oci::core::recv_msg(b.get(), m));
    CHECK(m.type == Msg::error);
    CHECK(m.err == 13);
    CHECK(m.text == "mount /proc: permission denied");
    CHECK(m.fd.get() >= 0);
    CHECK((::fcntl(m.fd.get(), F_GETFD) & FD_CLOEXEC) != 0);
    a.reset();
    CHECK_FALSE(oci::core::recv_msg(b.get(), m));
}

TEST_CASE("an init's last message is read although ours to it went unread", "[ipc]")
{
    oci::util::unique_fd parent, init;
    oci::core::make_socketpair(parent, init);
    oci::core::send_msg(parent.get(), Msg::cgroup_ready);   // never read by the init
    oci::core::send_msg(init.get(), Msg::error, 2, "mounts[5] /sys: not a directory");
    init.reset();

    Message m;
    REQUIRE(oci::core::recv_msg(parent.get(), m));
    CHECK(m.type == Msg::error);
    CHECK(m.err == 2);
    CHECK(m.text == "mounts[5] /sys: not a directory");
    CHECK_FALSE(oci::core::recv_msg(parent.get(), m));   // then the end, not an error
}

TEST_CASE("an init that exits without a word reads as the end of the channel", "[ipc]")
{
    oci::util::unique_fd parent, init;
    oci::core::make_socketpair(parent, init);
    oci::core::send_msg(parent.get(), Msg::go);
    init.reset();
    Message m;
    CHECK_FALSE(oci::core::recv_msg(parent.get(), m));
}

TEST_CASE("the doorbell wakes once per ring", "[ipc]")
{
    oci::util::unique_fd parent, init;
    oci::core::make_socketpair(parent, init);
    oci::core::Doorbell bell;
    auto readable = [&] {
        pollfd p{bell.fd(), POLLIN, 0};
        return ::poll(&p, 1, 0) == 1;
    };
    CHECK_FALSE(readable());
    bell.ring();
    bell.ring();
    CHECK(oci::core::Doorbell::wait(bell.fd(), init.get()));
    CHECK(readable());
    CHECK(oci::core::Doorbell::wait(bell.fd(), init.get()));
    CHECK_FALSE(readable());
}

TEST_CASE("waiting for the doorbell ends when the parent is gone", "[ipc]")
{
    oci::util::unique_fd parent, init;
    oci::core::make_socketpair(parent, init);
    oci::core::Doorbell bell;
    oci::core::send_msg(parent.get(), oci::core::Msg::go);   // a message alone does not ring
    parent.reset();
    CHECK_FALSE(oci::core::Doorbell::wait(bell.fd(), init.get()));
}
