#include "util/fault_point.hpp"

#if OCIRUN_FAULT_POINTS

#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "oci/error.hpp"

namespace oci::util {
namespace {

void append_line(const char* path, const std::string& line)
{
    int fd = ::open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    std::string text = line + "\n";
    // One write with O_APPEND: lines from concurrent processes do not interleave.
    [[maybe_unused]] ssize_t n = ::write(fd, text.data(), text.size());
    ::close(fd);
}

void pause_here(const char* name)
{
    const char* dir = std::getenv("OCIRUN_FAULT_DIR");
    if (dir == nullptr)
        throw Error("fault point " + std::string(name) + ": pause mode needs OCIRUN_FAULT_DIR");
    std::string base = std::string(dir) + "/" + name;
    append_line((base + ".reached").c_str(), std::to_string(::getpid()));
    std::string go = base + ".go";
    const timespec tick{0, 10 * 1000 * 1000};
    while (::access(go.c_str(), F_OK) != 0)
        ::nanosleep(&tick, nullptr);
}

} // namespace

void fault_point(const char* name)
{
    if (const char* trace = std::getenv("OCIRUN_FAULT_TRACE"))
        append_line(trace, name);
    const char* wanted = std::getenv("OCIRUN_FAULT_POINT");
    if (wanted == nullptr || std::strcmp(wanted, name) != 0)
        return;
    const char* mode = std::getenv("OCIRUN_FAULT_MODE");
    if (mode == nullptr || std::strcmp(mode, "error") == 0)
        throw Error("fault point " + std::string(name) + " reached", EIO);
    if (std::strcmp(mode, "kill") == 0) {
        ::kill(::getpid(), SIGKILL);
        ::_exit(137);
    }
    if (std::strcmp(mode, "pause") == 0)
        return pause_here(name);
    throw Error("fault point " + std::string(name) + ": unknown OCIRUN_FAULT_MODE " + mode);
}

} // namespace oci::util

#endif
