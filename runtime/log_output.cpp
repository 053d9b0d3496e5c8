#include "log_output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace ocirun {

namespace {

LogConfig g_config;
int g_log_fd = -1;

void write_log_line(oci::LogLevel level, const std::string& message)
{
    std::string line;
    if (g_config.json) {
        line = "{\"level\":\"" + std::string(oci::to_string(level)) + "\",\"msg\":\"" + json_escape(message) +
               "\",\"time\":\"" + oci::rfc3339_now() + "\"}\n";
    } else {
        line = "time=\"" + oci::rfc3339_now() + "\" level=" + oci::to_string(level) + " msg=\"" + json_escape(message) +
               "\"\n";
    }
    int fd = g_log_fd >= 0 ? g_log_fd : 2;
    (void)!::write(fd, line.data(), line.size());
}

} // namespace

std::string json_escape(const std::string& text)
{
    std::string out;
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += ch;
            }
        }
    }
    return out;
}

void setup_logging(const LogConfig& config)
{
    g_config = config;
    if (!config.path.empty()) {
        g_log_fd = ::open(config.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (g_log_fd < 0)
            std::fprintf(stderr, "ocirun: cannot open log file %s\n", config.path.c_str());
    }
    // Warnings and debug lines go to the log (or stderr when there is none).
    oci::set_log_sink(write_log_line, config.debug ? oci::LogLevel::debug : oci::LogLevel::warning);
}

void report_error(const std::string& message)
{
    if (g_log_fd >= 0)
        write_log_line(oci::LogLevel::error, message);
    std::fprintf(stderr, "ocirun: %s\n", message.c_str());
}

} // namespace ocirun
