// dlopen of libsystemd.so.0 and the table of its sd-bus functions.
#include "cgroups/sd_bus_lib.hpp"

#include <oci/error.hpp>

#include <dlfcn.h>

#include <mutex>
#include <optional>

namespace oci::cgroups {

namespace {

template <class Fn> void resolve(void* handle, Fn& slot, const char* name)
{
    void* sym = ::dlsym(handle, name);
    if (sym == nullptr)
        throw Error(std::string("libsystemd.so.0 has no ") + name + " (systemd too old?)");
    slot = reinterpret_cast<Fn>(sym);
}

SdBusLib load()
{
    // Kept loaded for the life of the process: the table points into it.
    void* handle = ::dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* why = ::dlerror();
        throw Error(std::string("cannot load libsystemd.so.0: ") + (why ? why : "unknown error"));
    }
    SdBusLib lib{};
    resolve(handle, lib.open_system, "sd_bus_open_system");
    resolve(handle, lib.flush_close_unref, "sd_bus_flush_close_unref");
    resolve(handle, lib.call_method, "sd_bus_call_method");
    resolve(handle, lib.call, "sd_bus_call");
    resolve(handle, lib.message_new_method_call, "sd_bus_message_new_method_call");
    resolve(handle, lib.message_append, "sd_bus_message_append");
    resolve(handle, lib.message_append_array, "sd_bus_message_append_array");
    resolve(handle, lib.message_open_container, "sd_bus_message_open_container");
    resolve(handle, lib.message_close_container, "sd_bus_message_close_container");
    resolve(handle, lib.message_read, "sd_bus_message_read");
    resolve(handle, lib.message_unref, "sd_bus_message_unref");
    resolve(handle, lib.add_match, "sd_bus_add_match");
    resolve(handle, lib.slot_unref, "sd_bus_slot_unref");
    resolve(handle, lib.process, "sd_bus_process");
    resolve(handle, lib.wait, "sd_bus_wait");
    resolve(handle, lib.get_property_string, "sd_bus_get_property_string");
    resolve(handle, lib.error_free, "sd_bus_error_free");
    resolve(handle, lib.error_has_name, "sd_bus_error_has_name");
    return lib;
}

} // namespace

const SdBusLib& sd_bus_lib()
{
    static std::mutex mutex;
    static std::optional<SdBusLib> lib;
    std::lock_guard<std::mutex> lock(mutex);
    if (!lib)
        lib = load();
    return *lib;
}

} // namespace oci::cgroups
