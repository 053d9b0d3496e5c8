// oci::Error construction and the errno helpers.
#include <oci/error.hpp>

#include <cerrno>
#include <cstring>

namespace oci {

Error::Error(const std::string& message, int errno_value)
    : std::runtime_error(message), errno_(errno_value)
{
}

Error Error::with_context(const std::string& what) const
{
    return Error(what + ": " + this->what(), errno_);
}

void throw_errno(const std::string& what, int errno_value)
{
    // strerror's first letter is lower-cased to read as one sentence, like runc/crun.
    std::string reason = std::strerror(errno_value);
    if (!reason.empty() && reason[0] >= 'A' && reason[0] <= 'Z' && !(reason.size() > 1 && reason[1] >= 'A' && reason[1] <= 'Z'))
        reason[0] = static_cast<char>(reason[0] - 'A' + 'a');
    throw Error(what + ": " + reason, errno_value);
}

void throw_errno(const std::string& what)
{
    throw_errno(what, errno);
}

} // namespace oci
