// Diagnostics from liboci. The embedding program installs a sink (the CLI
// writes runc-style text or JSON log lines); without one, nothing is printed.
#pragma once

#include <functional>
#include <string>

namespace oci {

enum class LogLevel { debug, info, warning, error };

using LogSink = std::function<void(LogLevel, const std::string&)>;

void set_log_sink(LogSink sink, LogLevel min_level = LogLevel::info);
void log(LogLevel level, const std::string& message);
inline void log_debug(const std::string& message) { log(LogLevel::debug, message); }
inline void log_warning(const std::string& message) { log(LogLevel::warning, message); }

const char* to_string(LogLevel level);

// Now as RFC 3339 UTC with nanoseconds, as runc writes times in logs and state.
std::string rfc3339_now();
// The same for a given time since the epoch.
std::string rfc3339(long long seconds, long nanoseconds);

} // namespace oci
