// The ocirun commands: each maps its flags onto one liboci call.
#pragma once

#include "cli_args.hpp"

#include <oci/runtime.hpp>

#include <string>
#include <vector>

namespace ocirun {

struct Context {
    oci::RuntimeOptions runtime;
    char** argv = nullptr;        // for re-executing from the sealed copy
};

using Command = int (*)(Context& ctx, const std::vector<std::string>& args);

struct CommandEntry {
    const char* name;
    Command run;
    const char* usage;
    bool enters_container;        // runs from a sealed copy of the binary
};

const std::vector<CommandEntry>& commands();

int cmd_create(Context&, const std::vector<std::string>&);
int cmd_start(Context&, const std::vector<std::string>&);
int cmd_state(Context&, const std::vector<std::string>&);
int cmd_kill(Context&, const std::vector<std::string>&);
int cmd_delete(Context&, const std::vector<std::string>&);
int cmd_run(Context&, const std::vector<std::string>&);
int cmd_list(Context&, const std::vector<std::string>&);
int cmd_spec(Context&, const std::vector<std::string>&);
int cmd_exec(Context&, const std::vector<std::string>&);
int cmd_features(Context&, const std::vector<std::string>&);
int cmd_pause(Context&, const std::vector<std::string>&);
int cmd_resume(Context&, const std::vector<std::string>&);
int cmd_ps(Context&, const std::vector<std::string>&);
int cmd_events(Context&, const std::vector<std::string>&);
int cmd_update(Context&, const std::vector<std::string>&);

// exec's options, exposed for unit tests.
std::vector<FlagSpec> exec_flag_specs();
oci::ExecOptions exec_options_from(const ParsedArgs& parsed);
void parse_user(const std::string& text, oci::ExecOptions& options);

// Exactly `count` positional arguments, or a UsageError naming the command.
void require_args(const ParsedArgs& parsed, size_t count, const char* command, const char* what);

// Flags shared by create and run.
std::vector<FlagSpec> create_flag_specs();
oci::CreateOptions create_options_from(const ParsedArgs& parsed);

} // namespace ocirun
