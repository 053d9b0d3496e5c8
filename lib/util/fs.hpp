// Small file helpers that report errors as oci::Error naming the path.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace oci::util {

std::string read_file(const std::string& path);
// nullopt when the path does not exist (ENOENT): a process gone from /proc, a
// file a kernel lacks. Other errors throw as read_file's do.
std::optional<std::string> read_file_if_exists(const std::string& path);
std::string read_file_at(int dir_fd, const std::string& name);

// Writes all of `data` to an open fd (retrying short writes and EINTR).
void write_all(int fd, std::string_view data, const std::string& what);

// Opens dir_fd/name for writing without creating it and writes data; for
// /proc and /sys files. O_NOFOLLOW unless follow is set.
void write_existing_at(int dir_fd, const std::string& name, std::string_view data);

// Replaces dir_fd/name atomically: a temp file in the same directory,
// fsync-free (state is runtime data under /run), then exchanged with the old
// file (or renamed into place when there is none).
void write_file_atomic(int dir_fd, const std::string& name, std::string_view data, mode_t mode);

// Removes dir_fd/name and everything below it without following symlinks.
void remove_tree_at(int dir_fd, const std::string& name);
// Removes everything inside the directory dir_fd, recursively, and not it.
void remove_contents(int dir_fd);

} // namespace oci::util
