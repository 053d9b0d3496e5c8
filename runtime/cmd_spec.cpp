#include "commands.hpp"

#include <oci/error.hpp>
#include <oci/spec.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace ocirun {

int cmd_spec(Context&, const std::vector<std::string>& args)
{
    auto parsed = parse_args(args, {{"bundle", "b", true}, {"rootless", "", false}});
    require_args(parsed, 0, "spec", "");
    std::string path = parsed.value_or("bundle", ".") + "/config.json";
    std::string json = oci::spec::to_json(oci::spec::default_config(parsed.flag("rootless"), ::getuid(), ::getgid()));
    json += "\n";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        if (errno == EEXIST)
            throw oci::Error("File " + path + " exists. Remove it first");
        oci::throw_errno("create " + path);
    }
    ssize_t n = ::write(fd, json.data(), json.size());
    int err = errno;
    ::close(fd);
    if (n != static_cast<ssize_t>(json.size()))
        oci::throw_errno("write " + path, err);
    return 0;
}

} // namespace ocirun
