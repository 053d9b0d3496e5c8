// sd-bus calls to org.freedesktop.systemd1.Manager, through the dlopen'd
// function table (sd_bus_lib.hpp).
#include "cgroups/systemd_manager.hpp"

#include "cgroups/sd_bus_lib.hpp"

#include <oci/error.hpp>
#include <oci/log.hpp>

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

namespace oci::cgroups {

namespace {

constexpr const char* kDestination = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManagerInterface = "org.freedesktop.systemd1.Manager";

// An sd_bus_error freed on scope exit.
struct BusError {
    sd_bus_error error = SD_BUS_ERROR_NULL;
    ~BusError() { sd_bus_lib().error_free(&error); }
};

struct MessageUnref {
    void operator()(sd_bus_message* m) const { sd_bus_lib().message_unref(m); }
};
using Message = std::unique_ptr<sd_bus_message, MessageUnref>;

// "what: <D-Bus error message>" or "what: <strerror>".
[[noreturn]] void fail(const std::string& what, int r, const BusError& e)
{
    if (e.error.message != nullptr)
        throw Error(what + ": " + e.error.message, -r);
    throw_errno(what, -r);
}

void check(int r, const std::string& what)
{
    if (r < 0)
        throw_errno(what, -r);
}

void append_value(sd_bus_message* m, const PropertyValue& value)
{
    const SdBusLib& lib = sd_bus_lib();
    const char* what = "build a D-Bus message";
    if (auto b = std::get_if<bool>(&value)) {
        check(lib.message_open_container(m, 'v', "b"), what);
        check(lib.message_append(m, "b", static_cast<int>(*b)), what);
    } else if (auto t = std::get_if<uint64_t>(&value)) {
        check(lib.message_open_container(m, 'v', "t"), what);
        check(lib.message_append(m, "t", *t), what);
    } else if (auto s = std::get_if<std::string>(&value)) {
        check(lib.message_open_container(m, 'v', "s"), what);
        check(lib.message_append(m, "s", s->c_str()), what);
    } else if (auto au = std::get_if<std::vector<uint32_t>>(&value)) {
        check(lib.message_open_container(m, 'v', "au"), what);
        check(lib.message_open_container(m, 'a', "u"), what);
        for (uint32_t u : *au)
            check(lib.message_append(m, "u", u), what);
        check(lib.message_close_container(m), what);
    } else if (auto as = std::get_if<std::vector<std::string>>(&value)) {
        check(lib.message_open_container(m, 'v', "as"), what);
        check(lib.message_open_container(m, 'a', "s"), what);
        for (const auto& s2 : *as)
            check(lib.message_append(m, "s", s2.c_str()), what);
        check(lib.message_close_container(m), what);
    } else if (auto ay = std::get_if<std::vector<uint8_t>>(&value)) {
        check(lib.message_open_container(m, 'v', "ay"), what);
        check(lib.message_append_array(m, 'y', ay->data(), ay->size()), what);
    } else if (auto devices = std::get_if<DeviceAllowList>(&value)) {
        check(lib.message_open_container(m, 'v', "a(ss)"), what);
        check(lib.message_open_container(m, 'a', "(ss)"), what);
        for (const auto& [path, access] : *devices)
            check(lib.message_append(m, "(ss)", path.c_str(), access.c_str()), what);
        check(lib.message_close_container(m), what);
    }
    check(lib.message_close_container(m), what);
}

// a(sv)
void append_properties(sd_bus_message* m, const std::vector<SystemdProperty>& properties)
{
    const SdBusLib& lib = sd_bus_lib();
    const char* what = "build a D-Bus message";
    check(lib.message_open_container(m, 'a', "(sv)"), what);
    for (const auto& p : properties) {
        check(lib.message_open_container(m, 'r', "sv"), what);
        check(lib.message_append(m, "s", p.name.c_str()), what);
        append_value(m, p.value);
        check(lib.message_close_container(m), what);
    }
    check(lib.message_close_container(m), what);
}

int on_job_removed(sd_bus_message* m, void* userdata, sd_bus_error*)
{
    uint32_t id = 0;
    const char* job = nullptr;
    const char* unit = nullptr;
    const char* result = nullptr;
    if (sd_bus_lib().message_read(m, "uoss", &id, &job, &unit, &result) >= 0 && job && result)
        (*static_cast<std::map<std::string, std::string>*>(userdata))[job] = result;
    return 0;
}

void require_systemd_running()
{
    // sd_booted(): systemd creates this directory early at boot.
    struct stat st{};
    if (::lstat("/run/systemd/system", &st) != 0 || !S_ISDIR(st.st_mode))
        throw Error("systemd is not running on this host (no /run/systemd/system)");
}

int parse_version(const char* text)
{
    return text ? std::atoi(text) : 0;
}

} // namespace

SystemdManager::SystemdManager(int job_timeout_ms) : job_timeout_ms_(job_timeout_ms)
{
    require_systemd_running();
    const SdBusLib& lib = sd_bus_lib();
    if (int r = lib.open_system(&bus_); r < 0)
        throw_errno("cannot connect to the system bus", -r);
    try {
        // Jobs report their end in JobRemoved to the client that queued them;
        // the match is in place before any job exists.
        std::string rule = std::string("type='signal',sender='") + kDestination + "',path='" + kManagerPath +
                           "',interface='" + kManagerInterface + "',member='JobRemoved'";
        if (int r = lib.add_match(bus_, &match_, rule.c_str(), on_job_removed, &removed_jobs_); r < 0)
            throw_errno("cannot reach systemd on the system bus: subscribe to JobRemoved", -r);
        BusError e;
        char* version = nullptr;
        if (int r = lib.get_property_string(bus_, kDestination, kManagerPath, kManagerInterface, "Version", &e.error,
                                            &version);
            r < 0)
            fail("cannot reach systemd on the system bus", r, e);
        version_ = parse_version(version);
        std::free(version);
    } catch (...) {
        if (match_)
            lib.slot_unref(match_);
        lib.flush_close_unref(bus_);
        throw;
    }
}

SystemdManager::~SystemdManager()
{
    const SdBusLib& lib = sd_bus_lib();
    if (match_)
        lib.slot_unref(match_);
    lib.flush_close_unref(bus_);
}

std::string SystemdManager::wait_for_job(const std::string& job, const std::string& what)
{
    const SdBusLib& lib = sd_bus_lib();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(job_timeout_ms_);
    for (;;) {
        auto it = removed_jobs_.find(job);
        if (it != removed_jobs_.end()) {
            std::string result = it->second;
            removed_jobs_.erase(it);
            return result;
        }
        int r = lib.process(bus_, nullptr);
        if (r < 0)
            throw_errno(what + ": wait for job " + job, -r);
        if (r > 0)
            continue;
        auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            throw Error(what + ": job " + job + " did not finish within " + std::to_string(job_timeout_ms_) + " ms",
                        ETIMEDOUT);
        if (r = lib.wait(bus_, static_cast<uint64_t>(left.count())); r < 0)
            throw_errno(what + ": wait for job " + job, -r);
    }
}

void SystemdManager::start_transient_unit(const std::string& name, const std::vector<SystemdProperty>& properties)
{
    const SdBusLib& lib = sd_bus_lib();
    std::string what = "start systemd unit " + name;
    sd_bus_message* raw = nullptr;
    check(lib.message_new_method_call(bus_, &raw, kDestination, kManagerPath, kManagerInterface,
                                      "StartTransientUnit"),
          what);
    Message m(raw);
    check(lib.message_append(m.get(), "ss", name.c_str(), "replace"), what);
    append_properties(m.get(), properties);
    check(lib.message_append(m.get(), "a(sa(sv))", 0), what);
    BusError e;
    sd_bus_message* reply_raw = nullptr;
    if (int r = lib.call(bus_, m.get(), 0, &e.error, &reply_raw); r < 0)
        fail(what, r, e);
    Message reply(reply_raw);
    const char* job = nullptr;
    check(lib.message_read(reply.get(), "o", &job), what);
    std::string result = wait_for_job(job, what);
    if (result != "done") {
        reset_failed_unit(name);
        throw Error(what + ": the start job ended \"" + result + "\"");
    }
}

bool SystemdManager::stop_unit(const std::string& name)
{
    const SdBusLib& lib = sd_bus_lib();
    std::string what = "stop systemd unit " + name;
    BusError e;
    sd_bus_message* reply_raw = nullptr;
    int r = lib.call_method(bus_, kDestination, kManagerPath, kManagerInterface, "StopUnit", &e.error, &reply_raw,
                            "ss", name.c_str(), "replace");
    if (r < 0) {
        if (lib.error_has_name(&e.error, "org.freedesktop.systemd1.NoSuchUnit"))
            return false;
        fail(what, r, e);
    }
    Message reply(reply_raw);
    const char* job = nullptr;
    check(lib.message_read(reply.get(), "o", &job), what);
    std::string result = wait_for_job(job, what);
    if (result != "done")
        throw Error(what + ": the stop job ended \"" + result + "\"");
    return true;
}

void SystemdManager::reset_failed_unit(const std::string& name)
{
    BusError e;
    int r = sd_bus_lib().call_method(bus_, kDestination, kManagerPath, kManagerInterface, "ResetFailedUnit", &e.error,
                                     nullptr, "s", name.c_str());
    if (r < 0)
        log_debug("reset-failed " + name + ": " + (e.error.message ? e.error.message : std::strerror(-r)));
}

void SystemdManager::set_unit_properties(const std::string& name, const std::vector<SystemdProperty>& properties)
{
    if (properties.empty())
        return;
    const SdBusLib& lib = sd_bus_lib();
    std::string what = "set properties of systemd unit " + name;
    sd_bus_message* raw = nullptr;
    check(lib.message_new_method_call(bus_, &raw, kDestination, kManagerPath, kManagerInterface,
                                      "SetUnitProperties"),
          what);
    Message m(raw);
    check(lib.message_append(m.get(), "sb", name.c_str(), 1), what);
    append_properties(m.get(), properties);
    BusError e;
    if (int r = lib.call(bus_, m.get(), 0, &e.error, nullptr); r < 0)
        fail(what, r, e);
}

std::string SystemdManager::control_group(const std::string& name)
{
    const SdBusLib& lib = sd_bus_lib();
    std::string what = "cgroup of systemd unit " + name;
    BusError e;
    sd_bus_message* reply_raw = nullptr;
    if (int r = lib.call_method(bus_, kDestination, kManagerPath, kManagerInterface, "GetUnit", &e.error, &reply_raw,
                                "s", name.c_str());
        r < 0)
        fail(what, r, e);
    Message reply(reply_raw);
    const char* path = nullptr;
    check(lib.message_read(reply.get(), "o", &path), what);
    std::string unit_path = path;
    bool slice = name.size() > 6 && name.compare(name.size() - 6, 6, ".slice") == 0;
    char* cgroup = nullptr;
    BusError e2;
    if (int r = lib.get_property_string(bus_, kDestination, unit_path.c_str(),
                                        slice ? "org.freedesktop.systemd1.Slice" : "org.freedesktop.systemd1.Scope",
                                        "ControlGroup", &e2.error, &cgroup);
        r < 0)
        fail(what, r, e2);
    std::string out = cgroup ? cgroup : "";
    std::free(cgroup);
    if (out.empty() || out[0] != '/')
        throw Error(what + ": systemd reports no cgroup for it");
    return out;
}

} // namespace oci::cgroups
