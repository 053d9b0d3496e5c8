// Which invocations re-execute from the sealed view of the binary at once, at
// the program's entry point, before the C library has started (early_entry.cpp):
// the commands that enter a container. Read from argv alone, with no library
// call and no data that needs relocating.
#pragma once

namespace ocirun {

// The command word of argv (after the global flags, as parse_args reads them),
// or nullptr.
const char* early_command_word(int argc, char** argv);

// Whether that command runs from a sealed copy of the binary (the
// enters_container column of the command table).
bool early_enters_container(int argc, char** argv);

// For create and run, the bundle directory their flags name (create_flag_specs,
// read as parse_args reads them, the last one winning), "." without one;
// nullptr for any other command.
const char* early_create_bundle(int argc, char** argv);

} // namespace ocirun
