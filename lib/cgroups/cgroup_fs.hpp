// File-system steps shared by the cgroup drivers: reading cgroup files,
// making and removing cgroup directories, listing and moving processes.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace oci::cgroups {

// The whole file; throws oci::Error naming the file.
std::string read_cgroup_file(int dir_fd, const std::string& name);
std::string read_cgroup_file(const std::string& path);

// The last non-empty line, without its newline (a test tree's plain files
// keep every value written to them; a kernel file has one).
std::string last_line(const std::string& text);

// "key value" lines (memory.stat, cpu.stat, cgroup.events) -> map.
std::map<std::string, std::string> parse_keyed(const std::string& text);

// A decimal counter; "max" and unparsable text read as `max_value`.
uint64_t parse_counter(const std::string& text, uint64_t max_value = 0);

// mkdir -p of base + "/" + rel (rel starts with "/"), mode 0755. For every
// level below base, calls at_level(parent, dir, created) after the level
// exists; appends the directories it made to *created_dirs (outermost first).
void make_cgroup_path(const std::string& base, const std::string& rel, std::vector<std::string>* created_dirs,
                      const std::function<void(const std::string& parent, const std::string& dir, bool created)>&
                          at_level = {});

// The pids in dir/cgroup.procs, and below it when `recursive`.
std::vector<pid_t> read_procs(const std::string& dir, bool recursive);

// Writes the pid to dir/cgroup.procs, retrying EINVAL a few times: a task
// still being forked (TASK_NEW) cannot move yet (runc).
void move_pid(const std::string& dir, pid_t pid);

// rmdir of dir and the cgroups below it, deepest first. EBUSY (processes
// still inside) calls on_busy and retries, up to `attempts` times, 10 ms
// apart; a missing directory is not an error.
void remove_cgroup(const std::string& dir, const std::function<void()>& on_busy, int attempts = 100);

} // namespace oci::cgroups
