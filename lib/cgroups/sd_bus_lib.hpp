// The few sd-bus functions the systemd cgroup driver calls, resolved from
// libsystemd.so.0 with dlopen the first time the driver is used. ocirun does
// not link libsystemd: a run without --systemd-cgroup never loads it (no
// start-up cost, and a static build stays possible). Only the headers of
// libsystemd-dev are needed to build.
#pragma once

#include <systemd/sd-bus.h>

namespace oci::cgroups {

struct SdBusLib {
    decltype(&::sd_bus_open_system) open_system;
    decltype(&::sd_bus_flush_close_unref) flush_close_unref;
    decltype(&::sd_bus_call_method) call_method;
    decltype(&::sd_bus_call) call;
    decltype(&::sd_bus_message_new_method_call) message_new_method_call;
    decltype(&::sd_bus_message_append) message_append;
    decltype(&::sd_bus_message_append_array) message_append_array;
    decltype(&::sd_bus_message_open_container) message_open_container;
    decltype(&::sd_bus_message_close_container) message_close_container;
    decltype(&::sd_bus_message_read) message_read;
    decltype(&::sd_bus_message_unref) message_unref;
    decltype(&::sd_bus_add_match) add_match;
    decltype(&::sd_bus_slot_unref) slot_unref;
    decltype(&::sd_bus_process) process;
    decltype(&::sd_bus_wait) wait;
    decltype(&::sd_bus_get_property_string) get_property_string;
    decltype(&::sd_bus_error_free) error_free;
    decltype(&::sd_bus_error_has_name) error_has_name;
};

// Loads libsystemd.so.0 once per process. Throws oci::Error saying so when
// the library or one of the functions is missing.
const SdBusLib& sd_bus_lib();

} // namespace oci::cgroups
