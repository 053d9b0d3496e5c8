#include "cli_args.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace ocirun {

bool ParsedArgs::flag(const std::string& name) const
{
    return value(name) == "true";
}

std::optional<std::string> ParsedArgs::value(const std::string& name) const
{
    auto it = values.find(name);
    if (it == values.end() || it->second.empty())
        return std::nullopt;
    return it->second.back();
}

std::vector<std::string> ParsedArgs::all(const std::string& name) const
{
    auto it = values.find(name);
    return it == values.end() ? std::vector<std::string>{} : it->second;
}

std::string ParsedArgs::value_or(const std::string& name, const std::string& fallback) const
{
    return value(name).value_or(fallback);
}

namespace {

const FlagSpec* find_flag(const std::vector<FlagSpec>& specs, const std::string& name, bool is_short)
{
    for (const auto& s : specs)
        if ((is_short ? s.short_name : s.name) == name)
            return &s;
    return nullptr;
}

} // namespace

ParsedArgs parse_args(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs,
                      bool stop_at_first_positional)
{
    ParsedArgs out;
    bool flags_done = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (flags_done || a.size() < 2 || a[0] != '-') {
            out.positional.push_back(a);
            if (stop_at_first_positional)
                flags_done = true;
            continue;
        }
        if (a == "--") {
            flags_done = true;
            continue;
        }
        bool is_short = a[1] != '-';
        std::string body = a.substr(is_short ? 1 : 2);
        std::optional<std::string> inline_value;
        if (auto eq = body.find('='); eq != std::string::npos) {
            inline_value = body.substr(eq + 1);
            body = body.substr(0, eq);
        }
        // Go's flag package accepts "-flag" for long names too.
        const FlagSpec* spec = find_flag(specs, body, is_short);
        if (spec == nullptr && is_short)
            spec = find_flag(specs, body, false);
        if (spec == nullptr)
            throw UsageError("flag provided but not defined: -" + body);
        if (!spec->takes_value) {
            std::string v = inline_value.value_or("true");
            if (v != "true" && v != "false")
                throw UsageError("invalid boolean value \"" + v + "\" for -" + body);
            out.values[spec->name].push_back(v);
            continue;
        }
        if (inline_value) {
            out.values[spec->name].push_back(*inline_value);
        } else {
            if (i + 1 >= args.size())
                throw UsageError("flag needs an argument: -" + body);
            out.values[spec->name].push_back(args[++i]);
        }
    }
    return out;
}

void require_args(const ParsedArgs& parsed, size_t count, const char* command, const char* what)
{
    if (parsed.positional.size() != count)
        throw UsageError(std::string(command) + ": expected " + std::to_string(count) + " argument" +
                         (count == 1 ? "" : "s") + (what[0] ? std::string(" ") + what : std::string()) + ", got " +
                         std::to_string(parsed.positional.size()));
}

unsigned parse_unsigned(const std::string& text, const std::string& flag)
{
    char* end = nullptr;
    unsigned long v = std::strtoul(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || text[0] == '-' || v > 1u << 20)
        throw UsageError("invalid value \"" + text + "\" for --" + flag);
    return static_cast<unsigned>(v);
}

std::string read_input(const std::string& path)
{
    int fd = path == "-" ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        oci::throw_errno("open " + path);
    // The CLI has the public API only, not liboci's unique_fd: a guard of its own.
    struct CloseOpened {
        int fd;
        ~CloseOpened()
        {
            if (fd != 0)
                ::close(fd);
        }
    } closer{fd};
    std::string text;
    char buf[8192];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            oci::throw_errno("read " + path);
        text.append(buf, static_cast<size_t>(n));
    }
    return text;
}

} // namespace ocirun
