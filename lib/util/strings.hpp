// Small string helpers shared by the parsers of kernel and config text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace oci::util {

// Every field between separators, empty ones included ("a::b" -> a, "", b).
std::vector<std::string> split(const std::string& s, char sep);

// The lines of `text` without their newlines, as views into it (which must
// outlive them); a last line without a newline counts, an empty end does not.
// Not an istringstream: the first stream of a process initialises the locale.
std::vector<std::string_view> lines(std::string_view text);

// The words of `text` between runs of spaces, tabs and newlines.
std::vector<std::string> words(std::string_view text);

} // namespace oci::util
