// Validation of a parsed config: a list of small named checks, run in order
// after parsing; the first problem found becomes an oci::Error naming the
// JSON path, e.g.
//   config.json: linux.namespaces[3].type: duplicate namespace "pid"
// Checks look at the document only; whether the host supports a setting is
// for the runtime to find out.
#pragma once

#include <oci/spec.hpp>

#include <optional>
#include <string>
#include <vector>

namespace oci::spec {

struct Problem {
    std::string path;     // JSON path, "" for the document itself
    std::string message;
};

using Finding = std::optional<Problem>;

// One named check of a whole config.
struct ConfigCheck {
    const char* name;
    Finding (*run)(const Config&);
};

// The checks validate runs, in order.
const std::vector<ConfigCheck>& config_checks();

// The first problem in config, if any.
Finding find_problem(const Config& config);

// Throws oci::Error("<source_name>: <path>: <message>") for the first problem.
void validate(const Config& config, const std::string& source_name = "config.json");

// The same for a process or resources object on its own; `at` is the JSON
// path of the object ("" when it is the whole document).
Finding find_process_problem(const Process& process, const std::string& at);
Finding find_resources_problem(const Resources& resources, const std::string& at);
void validate_process(const Process& process, const std::string& source_name, const std::string& at);
void validate_resources(const Resources& resources, const std::string& source_name, const std::string& at);

} // namespace oci::spec
