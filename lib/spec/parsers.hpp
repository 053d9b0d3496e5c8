// The readers that turn json::Node objects into the typed model, one per
// part of config.json; shared by config_parser.cpp and the standalone
// parse_process / parse_resources entry points.
#pragma once

#include "spec/json_reader.hpp"

#include <oci/spec.hpp>

namespace oci::spec::detail {

IdMapping read_id_mapping(const json::Node& node);
Process read_process(const json::Node& node);
LinuxConfig read_linux_config(const json::Node& node);
Resources read_resources(const json::Node& node);
Seccomp read_seccomp(const json::Node& node);

} // namespace oci::spec::detail
