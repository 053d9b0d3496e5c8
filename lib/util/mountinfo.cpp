#include "util/mountinfo.hpp"
#include "util/strings.hpp"

namespace oci::util {

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& s)
{
    auto oct = [](char c) { return c >= '0' && c <= '7'; };
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && oct(s[i + 1]) && oct(s[i + 2]) && oct(s[i + 3])) {
            out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

} // namespace

std::vector<MountInfoEntry> parse_mountinfo(const std::string& text)
{
    std::vector<MountInfoEntry> out;
    for (std::string_view view : lines(text)) {
        std::string line(view);
        auto dash = line.find(" - ");
        if (dash == std::string::npos)
            continue;
        auto left = split(line.substr(0, dash), ' ');
        auto right = split(line.substr(dash + 3), ' ');
        if (left.size() < 5 || right.size() < 3)
            continue;
        out.push_back({unescape(left[3]), unescape(left[4]), right[0], split(right[2], ',')});
    }
    return out;
}

} // namespace oci::util
