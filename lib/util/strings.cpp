#include "util/strings.hpp"

namespace oci::util {

std::vector<std::string> split(const std::string& s, char sep)
{
    std::vector<std::string> out;
    std::string::size_type start = 0;
    for (;;) {
        auto end = s.find(sep, start);
        out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos)
            return out;
        start = end + 1;
    }
}

std::vector<std::string_view> lines(std::string_view text)
{
    std::vector<std::string_view> out;
    while (!text.empty()) {
        auto end = text.find('\n');
        out.push_back(text.substr(0, end));
        if (end == std::string_view::npos)
            break;
        text.remove_prefix(end + 1);
    }
    return out;
}

std::vector<std::string> words(std::string_view text)
{
    std::vector<std::string> out;
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && space(text[i]))
            ++i;
        std::size_t start = i;
        while (i < text.size() && !space(text[i]))
            ++i;
        if (i > start)
            out.emplace_back(text.substr(start, i - start));
    }
    return out;
}

} // namespace oci::util
