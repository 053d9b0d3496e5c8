// The runtime-spec features document (`ocirun features`): what this build
// and this kernel actually support.
#include "linux/capabilities.hpp"
#include "linux/mount_options.hpp"
#include "spec/json_writer.hpp"
#include "spec/names.hpp"

#include <oci/runtime.hpp>

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>

namespace oci {

namespace {

// A flag the kernel knows fails with EFAULT on a NULL program, not EINVAL.
bool kernel_has_seccomp_flag(unsigned flag)
{
    return ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, nullptr) < 0 && errno == EFAULT;
}

unsigned seccomp_flag_bit(std::string_view name)
{
    if (name == "SECCOMP_FILTER_FLAG_TSYNC") return SECCOMP_FILTER_FLAG_TSYNC;
    if (name == "SECCOMP_FILTER_FLAG_LOG") return SECCOMP_FILTER_FLAG_LOG;
    if (name == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") return SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    return 1U << 5;   // SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
}

std::vector<std::string> capability_names()
{
    std::vector<std::string> out;
    for (int c = 0; c <= sys::last_cap() && c < static_cast<int>(spec::names::capabilities.size()); ++c)
        out.emplace_back(spec::names::capabilities[static_cast<size_t>(c)]);
    return out;
}

std::vector<std::string> seccomp_archs()
{
    std::vector<std::string> out;
    for (std::string_view name : spec::names::seccomp_architectures) {
        std::string lower(name.substr(std::string_view("SCMP_ARCH_").size()));
        for (char& ch : lower)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (seccomp_arch_resolve_name(lower.c_str()) != 0)
            out.emplace_back(name);
    }
    return out;
}

template <class Set>
std::vector<std::string> strings(const Set& set)
{
    return std::vector<std::string>(set.begin(), set.end());
}

} // namespace

std::string features_json()
{
    spec::json::Writer w(true);
    w.begin_object();
    w.key("ociVersionMin");
    w.string("1.0.0");
    w.key("ociVersionMax");
    w.string(version_info().spec_version);
    w.key("hooks");
    w.strings({"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"});
    w.key("mountOptions");
    w.strings(sys::known_mount_options());
    w.key("linux");
    w.begin_object();
    w.key("namespaces");
    w.strings({"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"});
    w.key("capabilities");
    w.strings(capability_names());
    w.key("cgroup");
    w.begin_object();
    w.key("v1");
    w.boolean(true);
    w.key("v2");
    w.boolean(true);
    w.key("systemd");
    w.boolean(true);
    w.key("systemdUser");
    w.boolean(false);
    w.key("rdma");
    w.boolean(true);
    w.end_object();
    w.key("seccomp");
    w.begin_object();
    w.key("enabled");
    w.boolean(true);
    w.key("actions");
    w.strings(strings(spec::names::seccomp_actions));
    w.key("operators");
    w.strings(strings(spec::names::seccomp_operators));
    w.key("archs");
    w.strings(seccomp_archs());
    w.key("knownFlags");
    w.strings(strings(spec::names::seccomp_flags));
    std::vector<std::string> supported;
    for (std::string_view f : spec::names::seccomp_flags)
        if (kernel_has_seccomp_flag(seccomp_flag_bit(f)))
            supported.emplace_back(f);
    w.key("supportedFlags");
    w.strings(supported);
    w.end_object();
    for (const char* off : {"apparmor", "selinux", "intelRdt", "netDevices"}) {
        w.key(off);
        w.begin_object();
        w.key("enabled");
        w.boolean(false);
        w.end_object();
    }
    w.key("mountExtensions");
    w.begin_object();
    w.key("idmap");
    w.begin_object();
    w.key("enabled");
    w.boolean(false);
    w.end_object();
    w.end_object();
    w.end_object();
    w.key("annotations");
    const scmp_version* v = seccomp_version();
    w.string_map({{"io.github.seccomp.libseccomp.version",
                   std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro)},
                  {"org.opencontainers.runc.checkpoint.enabled", "false"}});
    w.end_object();
    return w.text();
}

} // namespace oci
