// Container ids, signal names, status names and version: the small
// vocabulary the CLI and the engines share with the library.
#include <oci/error.hpp>
#include <oci/runtime.hpp>

#include "container/early_netns.hpp"
#include "linux/self_seal.hpp"
#include "ocirun_config.h"

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

namespace oci {

const char* to_string(Status status)
{
    switch (status) {
    case Status::creating: return "creating";
    case Status::created: return "created";
    case Status::running: return "running";
    case Status::paused: return "paused";
    case Status::stopped: return "stopped";
    }
    return "stopped";
}

void validate_container_id(const std::string& id)
{
    if (id.empty())
        throw Error("container ID cannot be empty");
    if (id == "." || id == ".." || id.size() > 1024)
        throw Error("invalid container ID: " + id);
    for (char ch : id) {
        auto c = static_cast<unsigned char>(ch);
        if (!(std::isalnum(c) || c == '_' || c == '+' || c == '.' || c == '-'))
            throw Error("invalid container ID: " + id + " (allowed: letters, digits, _ + . -)");
    }
}

int parse_signal(const std::string& text)
{
    static const std::pair<const char*, int> kSignals[] = {
        {"HUP", SIGHUP},   {"INT", SIGINT},     {"QUIT", SIGQUIT},   {"ILL", SIGILL},       {"TRAP", SIGTRAP},
        {"ABRT", SIGABRT}, {"IOT", SIGIOT},     {"BUS", SIGBUS},     {"FPE", SIGFPE},       {"KILL", SIGKILL},
        {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},
        {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
        {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},   {"TTOU", SIGTTOU},   {"URG", SIGURG},       {"XCPU", SIGXCPU},
        {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},   {"IO", SIGIO},
        {"POLL", SIGPOLL}, {"PWR", SIGPWR},     {"SYS", SIGSYS},
    };
    if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        long n = std::strtol(text.c_str(), nullptr, 10);
        if (n <= 0 || n > SIGRTMAX)
            throw Error("invalid signal: " + text);
        return static_cast<int>(n);
    }
    std::string name = text;
    for (char& c : name)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (name.rfind("SIG", 0) == 0)
        name = name.substr(3);
    for (const auto& [n, value] : kSignals)
        if (name == n)
            return value;
    if (name.rfind("RTMIN", 0) == 0 || name.rfind("RTMAX", 0) == 0) {
        int base = name[2] == 'M' && name[3] == 'I' ? SIGRTMIN : SIGRTMAX;
        int off = name.size() > 5 ? std::atoi(name.c_str() + 5) : 0;
        int sig = base + off;
        if (sig >= SIGRTMIN && sig <= SIGRTMAX)
            return sig;
    }
    throw Error("invalid signal: " + text);
}

void reexec_sealed(char** argv)
{
    sys::ensure_running_sealed(argv);
    core::claim_netns_from_entry();
}

VersionInfo version_info()
{
    return {OCIRUN_VERSION, OCIRUN_COMMIT, OCIRUN_SPEC_VERSION};
}

} // namespace oci
