// Internal to validation: helpers shared by the check files, and the check
// lists of each area (validate.cpp runs them in order).
#pragma once

#include "spec/json_reader.hpp"
#include "spec/validate.hpp"

#include <oci/error.hpp>

#include <string>

namespace oci::spec::checks {

inline Finding problem(std::string path, std::string message)
{
    return Problem{std::move(path), std::move(message)};
}

inline bool is_absolute(const std::string& path)
{
    return !path.empty() && path[0] == '/';
}

inline std::string not_absolute(const std::string& value)
{
    return "expected an absolute path, got " + json::quote(value);
}

// `unknown <what> "<value>"`, listing the choices when there are few.
template <class Set>
std::string unknown_name(const Set& set, const char* what, const std::string& value)
{
    std::string message = std::string("unknown ") + what + " " + json::quote(value);
    if (set.size() <= 8) {
        message += " (expected one of ";
        for (std::size_t i = 0; i < set.size(); ++i)
            message += (i ? ", " : "") + std::string(set[i]);
        message += ")";
    }
    return message;
}

// Throws oci::Error("<source_name>: <path>: <message>").
[[noreturn]] inline void throw_problem(const std::string& source_name, const Problem& found)
{
    throw Error(source_name + ": " + (found.path.empty() ? "" : found.path + ": ") + found.message);
}

// The checks of the `linux` object (validate_linux.cpp), in order.
const std::vector<ConfigCheck>& linux_checks();

} // namespace oci::spec::checks
