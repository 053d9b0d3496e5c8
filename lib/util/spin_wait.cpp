#include "util/spin_wait.hpp"

#include <poll.h>
#include <sched.h>

#include <ctime>

namespace oci::util {

namespace {

long now_ns()
{
    timespec t{};
    ::clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

} // namespace

bool spin_until_readable(int fd, long max_ns)
{
    long deadline = now_ns() + max_ns;
    pollfd p{fd, POLLIN, 0};
    for (;;) {
        if (::poll(&p, 1, 0) > 0)
            return true;
        if (now_ns() >= deadline)
            return false;
        ::sched_yield();
    }
}

} // namespace oci::util
