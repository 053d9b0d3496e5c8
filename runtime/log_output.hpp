// Where ocirun's diagnostics go: stderr, and with --log a file in runc's text
// or JSON line format ({"level":"error","msg":"...","time":"..."}), which
// conmon and the containerd shim read back to show the user.
#pragma once

#include <oci/log.hpp>

#include <string>

namespace ocirun {

struct LogConfig {
    std::string path;            // --log; empty: stderr only
    bool json = false;           // --log-format json
    bool debug = false;          // --debug
};

void setup_logging(const LogConfig& config);

// The one place a fatal error is reported: stderr and the log file.
void report_error(const std::string& message);

std::string json_escape(const std::string& text);

} // namespace ocirun
