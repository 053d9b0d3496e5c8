// Command-line parsing in runc's style: "--flag value", "--flag=value",
// "-f value", boolean flags with an optional "=true|false", flags before,
// between or (unless the command stops at its first argument) after the
// positional arguments, and "--" to end flags.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ocirun {

struct FlagSpec {
    std::string name;          // long name without dashes: "bundle"
    std::string short_name;    // "b" or empty
    bool takes_value = true;
};

struct ParsedArgs {
    // By long name, every occurrence in order; booleans "true"/"false".
    std::map<std::string, std::vector<std::string>> values;
    std::vector<std::string> positional;

    // All values of a repeatable flag (--env A --env B).
    std::vector<std::string> all(const std::string& name) const;

    bool flag(const std::string& name) const;
    // The last value given.
    std::optional<std::string> value(const std::string& name) const;
    std::string value_or(const std::string& name, const std::string& fallback) const;
};

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parses args (without the command name). Throws UsageError for unknown
// flags or a missing value.
ParsedArgs parse_args(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs,
                      bool stop_at_first_positional = false);

// Exactly `count` positional arguments, or a UsageError naming the command.
void require_args(const ParsedArgs& parsed, size_t count, const char* command, const char* what);

unsigned parse_unsigned(const std::string& text, const std::string& flag);

// All of the file a flag names, or of stdin for "-". Plain reads: iostreams
// would add their start-up (the standard streams and the locale) to every
// start of ocirun.
std::string read_input(const std::string& path);

} // namespace ocirun
