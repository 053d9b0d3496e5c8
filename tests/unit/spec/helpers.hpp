// Test helpers for lib/spec: the message of the oci::Error a call throws,
// and fixture file access.
#pragma once

#include <oci/error.hpp>

#include <fstream>
#include <sstream>
#include <string>

namespace spec_test {

// The what() of the oci::Error fn throws, or "no error".
template <class Fn> std::string error_of(Fn&& fn)
{
    try {
        fn();
    } catch (const oci::Error& e) {
        return e.what();
    }
    return "no error";
}

inline std::string read_text(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw oci::Error("cannot open test fixture " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

inline std::string schema_test_dir(const std::string& kind)
{
    return std::string(OCIRUN_SCHEMA_DIR) + "/test/config/" + kind;
}

} // namespace spec_test
