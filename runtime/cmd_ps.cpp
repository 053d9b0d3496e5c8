#include "commands.hpp"

#include <oci/error.hpp>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <sys/wait.h>

namespace ocirun {

namespace {

// The column of "PID" in ps's header line.
int pid_column(const std::string& header)
{
    std::istringstream in(header);
    std::string word;
    for (int i = 0; in >> word; ++i)
        if (word == "PID")
            return i;
    return -1;
}

} // namespace

std::vector<FlagSpec> ps_flag_specs()
{
    return {{"format", "f", true}};
}

int cmd_ps(Context& ctx, const std::vector<std::string>& args)
{
    auto parsed = parse_args(args, ps_flag_specs(), true);
    if (parsed.positional.empty())
        throw UsageError("ps: usage: ocirun ps [--format table|json] <container-id> [ps options]");
    auto pids = oci::Runtime(ctx.runtime).processes(parsed.positional[0]);
    std::string format = parsed.value_or("format", "table");
    if (format == "json") {
        std::string out = "[";
        for (size_t i = 0; i < pids.size(); ++i)
            out += (i ? "," : "") + std::to_string(pids[i]);
        std::printf("%s]\n", out.c_str());
        return 0;
    }
    if (format != "table")
        throw UsageError("invalid format option: " + format);
    // As runc: run the host's ps with the given options and keep the header
    // and the lines of the container's processes.
    std::string cmd = "ps";
    if (parsed.positional.size() == 1)
        cmd += " -ef";
    for (size_t i = 1; i < parsed.positional.size(); ++i) {
        std::string quoted = "'";
        for (char c : parsed.positional[i])
            quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
        cmd += " " + quoted + "'";
    }
    FILE* ps = ::popen(cmd.c_str(), "r");
    if (ps == nullptr)
        oci::throw_errno("run ps");
    char line[4096];
    int column = -1;
    bool header = true;
    while (std::fgets(line, sizeof line, ps)) {
        if (header) {
            column = pid_column(line);
            if (column < 0) {
                ::pclose(ps);
                throw oci::Error("ps: no PID column in ps's output");
            }
            std::fputs(line, stdout);
            header = false;
            continue;
        }
        std::istringstream in(line);
        std::string word;
        for (int i = 0; i <= column && in >> word; ++i) {
        }
        long pid = std::strtol(word.c_str(), nullptr, 10);
        if (std::find(pids.begin(), pids.end(), static_cast<pid_t>(pid)) != pids.end())
            std::fputs(line, stdout);
    }
    int status = ::pclose(ps);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

} // namespace ocirun
