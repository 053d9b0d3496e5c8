// Id maps go in one write each (the kernel accepts a map only once).
#include "linux/idmap.hpp"

#include "linux/proc_fd.hpp"
#include "util/fs.hpp"
#include "util/strings.hpp"
#include "util/unique_fd.hpp"

#include <oci/error.hpp>
#include <oci/log.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace oci::sys {

namespace {

constexpr size_t kMaxHelperOutput = 4096;

bool only_own_id(const std::vector<spec::IdMapping>& mappings, uint32_t own)
{
    return mappings.size() == 1 && mappings[0].host_id == own && mappings[0].size == 1;
}

// Along PATH as the caller has it (runc looks the helpers up the same way);
// a setuid program found elsewhere would not be the administrator's choice.
std::string find_helper(const std::string& name)
{
    const char* env = std::getenv("PATH");
    std::string path = env != nullptr && env[0] != '\0' ? env : "/usr/local/bin:/usr/bin:/bin";
    for (const auto& dir : util::split(path, ':')) {
        if (dir.empty() || dir[0] != '/')
            continue;
        std::string candidate = dir + "/" + name;
        struct stat st;
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return "";
}

void run_helper(const std::string& name, pid_t pid, const std::vector<spec::IdMapping>& mappings,
                const std::string& field)
{
    std::string program = find_helper(name);
    if (program.empty())
        throw Error("config.json: " + field + ": mapping more than the caller's own id needs " + name +
                    " (the uidmap package), which is not in PATH");
    std::vector<std::string> args = helper_args(pid, mappings);
    args.insert(args.begin(), program);
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    char* envp[] = {nullptr};

    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0)
        throw_errno("pipe for " + name);
    util::unique_fd out_r(p[0]), out_w(p[1]);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_w.get(), 1);
    posix_spawn_file_actions_adddup2(&actions, out_w.get(), 2);
    pid_t child = -1;
    int err = ::posix_spawn(&child, program.c_str(), &actions, nullptr, argv.data(), envp);
    posix_spawn_file_actions_destroy(&actions);
    if (err != 0)
        throw_errno("run " + program, err);
    out_w.reset();
    std::string output;
    char buf[512];
    for (;;) {
        ssize_t n = ::read(out_r.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (output.size() < kMaxHelperOutput)
            output.append(buf, static_cast<size_t>(n));
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    while (!output.empty() && (output.back() == '\n' || output.back() == ' '))
        output.pop_back();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw Error(program + " failed" +
                    (output.empty() ? std::string() : ": " + output));
    log_debug(program + " wrote the " + field + " of process " + std::to_string(pid));
}

} // namespace

std::string format_id_map(const std::vector<spec::IdMapping>& mappings)
{
    std::string out;
    for (const auto& m : mappings)
        out += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " + std::to_string(m.size) + "\n";
    return out;
}

IdMapPlan plan_id_maps(const std::vector<spec::IdMapping>& uid_map, const std::vector<spec::IdMapping>& gid_map,
                       bool privileged, uid_t own_uid, gid_t own_gid)
{
    IdMapPlan plan;
    if (privileged)
        return plan;
    if (!uid_map.empty() && !only_own_id(uid_map, own_uid))
        plan.uid = MapWriter::helper;
    if (!gid_map.empty() && !only_own_id(gid_map, own_gid))
        plan.gid = MapWriter::helper;
    else
        plan.deny_setgroups = true;
    return plan;
}

std::vector<std::string> helper_args(pid_t pid, const std::vector<spec::IdMapping>& mappings)
{
    std::vector<std::string> args = {std::to_string(pid)};
    for (const auto& m : mappings) {
        args.push_back(std::to_string(m.container_id));
        args.push_back(std::to_string(m.host_id));
        args.push_back(std::to_string(m.size));
    }
    return args;
}

void write_id_maps(int proc_fd, pid_t pid, const std::vector<spec::IdMapping>& uid_map,
                   const std::vector<spec::IdMapping>& gid_map, const IdMapPlan& plan)
{
    std::string dir = std::to_string(pid) + "/";
    with_context("write uid/gid mappings of process " + std::to_string(pid), [&] {
        if (plan.deny_setgroups)
            write_proc_file(proc_fd, dir + "setgroups", "deny");
        if (!uid_map.empty()) {
            if (plan.uid == MapWriter::helper)
                run_helper("newuidmap", pid, uid_map, "linux.uidMappings");
            else
                write_proc_file(proc_fd, dir + "uid_map", format_id_map(uid_map));
        }
        if (!gid_map.empty()) {
            if (plan.gid == MapWriter::helper)
                run_helper("newgidmap", pid, gid_map, "linux.gidMappings");
            else
                write_proc_file(proc_fd, dir + "gid_map", format_id_map(gid_map));
        }
    });
}

} // namespace oci::sys
