// Per-process settings of the container's process: identity, limits,
// scheduling knobs, and the executable it will run.
#pragma once

#include <oci/spec.hpp>

#include <string>
#include <vector>

namespace oci::sys {

int rlimit_resource(const std::string& name);   // -1 when unknown
void apply_rlimits(const std::vector<spec::Rlimit>& rlimits);

// setgroups + setresgid + setresuid. Groups are left alone when setgroups is
// denied in this user namespace (rootless with a single mapping).
void apply_user(const spec::User& user, bool setgroups_allowed);

void set_no_new_privileges();
void set_oom_score_adj(int proc_fd, int value);
void set_hostname(const std::string& hostname);
void set_domainname(const std::string& domainname);

// Writes linux.sysctl through proc_fd after checking that each key belongs to
// a namespace the container owns (as runc does): net.* needs a new network
// namespace, kernel.msg*/sem/shm* and fs.mqueue.* a new IPC namespace,
// kernel.hostname/domainname a new UTS namespace.
void check_sysctls(const spec::StringMap& sysctls, bool own_net, bool own_ipc, bool own_uts);
void apply_sysctls(int proc_fd, const spec::StringMap& sysctls);

// Finds args[0] along PATH from env (the container's), like execvp, and
// checks that it is an executable regular file. Throws
// "exec: <name>: no such file or directory" style errors.
std::string find_executable(const std::string& name, const std::vector<std::string>& env);

} // namespace oci::sys
