// Small string helpers shared by the parsers of kernel and config text.
#pragma once

#include <string>
#include <vector>

namespace oci::util {

// Every field between separators, empty ones included ("a::b" -> a, "", b).
std::vector<std::string> split(const std::string& s, char sep);

} // namespace oci::util
