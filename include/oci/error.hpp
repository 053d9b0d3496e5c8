// oci::Error: the one error type liboci throws. It carries the errno that
// caused it (0 when there is none) and a chain of context, outermost first,
// so the CLI prints one line such as
//   create c1: mount proc on /proc: no such device
#pragma once

#include <stdexcept>
#include <string>

namespace oci {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message, int errno_value = 0);

    // errno of the failing call, or 0.
    int code() const noexcept { return errno_; }

    // Returns a copy whose message is "what: <old message>".
    Error with_context(const std::string& what) const;

private:
    int errno_;
};

// Throws oci::Error("what: strerror(errno)") with the current errno.
[[noreturn]] void throw_errno(const std::string& what);
[[noreturn]] void throw_errno(const std::string& what, int errno_value);

// Runs fn; an oci::Error escaping it gets "what: " prepended.
template <class Fn>
auto with_context(const std::string& what, Fn&& fn) -> decltype(fn())
{
    try {
        return fn();
    } catch (const Error& e) {
        throw e.with_context(what);
    }
}

} // namespace oci
