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
    bool enters_container;        // runs from a sealed copy of the binary (early_command.cpp lists the same)
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


// The global flags, and the runtime options they set. fallback_root is
// default_root() unless --root is given. namespace_root: root of a user
// namespace other than the host's, which keeps its state as a user would.
std::vector<FlagSpec> global_flag_specs();
std::string default_root(uid_t euid, const char* xdg_runtime_dir, bool namespace_root = false);
oci::RuntimeOptions runtime_options_from(const ParsedArgs& global, const std::string& fallback_root);

// The flags of the commands engines call with flags of their own.
std::vector<FlagSpec> kill_flag_specs();
std::vector<FlagSpec> delete_flag_specs();
std::vector<FlagSpec> ps_flag_specs();
std::vector<FlagSpec> update_flag_specs();

// Flags shared by create and run.
std::vector<FlagSpec> create_flag_specs();
oci::CreateOptions create_options_from(const ParsedArgs& parsed);

} // namespace ocirun
