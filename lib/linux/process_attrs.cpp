// Identity, limits and names of the container's process.
#include "linux/process_attrs.hpp"

#include "linux/proc_fd.hpp"
#include "util/fs.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace oci::sys {

namespace {

struct RlimitName {
    const char* name;
    int resource;
};

constexpr RlimitName kRlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS}, {"RLIMIT_CORE", RLIMIT_CORE}, {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA}, {"RLIMIT_FSIZE", RLIMIT_FSIZE}, {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC}, {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME}, {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

bool is_executable_file(const std::string& path, int& err)
{
    struct stat st;
    if (::stat(path.c_str(), &st) < 0) {
        err = errno;
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        err = S_ISDIR(st.st_mode) ? EISDIR : EACCES;
        return false;
    }
    if (::access(path.c_str(), X_OK) < 0) {
        err = errno;
        return false;
    }
    return true;
}

} // namespace

int rlimit_resource(const std::string& name)
{
    for (const auto& r : kRlimits)
        if (name == r.name)
            return r.resource;
    return -1;
}

void apply_rlimits(const std::vector<spec::Rlimit>& rlimits)
{
    for (const auto& r : rlimits) {
        int resource = rlimit_resource(r.type);
        if (resource < 0)
            throw Error("process.rlimits: unknown rlimit " + r.type);
        struct rlimit lim{r.soft, r.hard};
        if (::setrlimit(resource, &lim) < 0)
            throw_errno("set " + r.type + " to " + std::to_string(r.soft) + ":" + std::to_string(r.hard));
    }
}

void apply_user(const spec::User& user, bool setgroups_allowed)
{
    if (setgroups_allowed) {
        std::vector<gid_t> groups(user.additional_gids.begin(), user.additional_gids.end());
        if (::setgroups(groups.size(), groups.data()) < 0)
            throw_errno("setgroups");
    }
    if (::setresgid(user.gid, user.gid, user.gid) < 0)
        throw_errno("setgid " + std::to_string(user.gid));
    if (::setresuid(user.uid, user.uid, user.uid) < 0)
        throw_errno("setuid " + std::to_string(user.uid));
}

void set_no_new_privileges()
{
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        throw_errno("set no_new_privs");
}

void set_oom_score_adj(int proc_fd, int value)
{
    with_context("set oom_score_adj to " + std::to_string(value),
                 [&] { write_proc_file(proc_fd, "self/oom_score_adj", std::to_string(value)); });
}

void set_hostname(const std::string& hostname)
{
    if (::sethostname(hostname.data(), hostname.size()) < 0)
        throw_errno("set hostname " + hostname);
}

void set_domainname(const std::string& domainname)
{
    if (::setdomainname(domainname.data(), domainname.size()) < 0)
        throw_errno("set domainname " + domainname);
}

void check_sysctls(const spec::StringMap& sysctls, bool own_net, bool own_ipc, bool own_uts)
{
    static const char* const kIpcExact[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                                            "kernel.shmall", "kernel.shmmax", "kernel.shmmni",
                                            "kernel.shm_rmid_forced"};
    for (const auto& [key, value] : sysctls) {
        bool ipc = key.rfind("fs.mqueue.", 0) == 0;
        for (const char* k : kIpcExact)
            ipc = ipc || key == k;
        if (ipc) {
            if (!own_ipc)
                throw Error("linux.sysctl: " + key + " requires a new IPC namespace");
            continue;
        }
        if (key.rfind("net.", 0) == 0) {
            if (!own_net)
                throw Error("linux.sysctl: " + key + " requires a new network namespace");
            continue;
        }
        if (key == "kernel.hostname" || key == "kernel.domainname") {
            if (!own_uts)
                throw Error("linux.sysctl: " + key + " requires a new UTS namespace");
            continue;
        }
        throw Error("linux.sysctl: " + key + " is not namespaced and cannot be set for a container");
    }
}

void apply_sysctls(int proc_fd, const spec::StringMap& sysctls)
{
    for (const auto& entry : sysctls) {
        const std::string& key = entry.first;
        const std::string& value = entry.second;   // not a structured binding: clang 14 cannot capture one
        std::string rel = "sys/" + key;
        for (char& c : rel)
            if (c == '.')
                c = '/';
        if (rel.find("/../") != std::string::npos)
            throw Error("linux.sysctl: invalid key " + key);
        with_context("set sysctl " + key + "=" + value, [&] { write_proc_file(proc_fd, rel, value); });
    }
}

std::string find_executable(const std::string& name, const std::vector<std::string>& env)
{
    int err = ENOENT;
    if (name.find('/') != std::string::npos) {
        if (is_executable_file(name, err))
            return name;
        throw_errno("exec: " + name, err);
    }
    std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const auto& e : env)
        if (e.rfind("PATH=", 0) == 0)
            path = e.substr(5);
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find(':', start);
        if (end == std::string::npos)
            end = path.size();
        std::string dir = path.substr(start, end - start);
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        int e = 0;
        if (is_executable_file(candidate, e))
            return candidate;
        if (e != ENOENT && e != ENOTDIR)
            err = e;
        start = end + 1;
    }
    if (err == ENOENT)
        throw Error("exec: \"" + name + "\": executable file not found in $PATH", ENOENT);
    throw_errno("exec: " + name, err);
}

} // namespace oci::sys
