// libFuzzer target: the state file reader (a container's state.json). A
// corrupt file must end in an oci::Error, never a crash; a record that reads
// must write and read back to the same JSON.
#include "container/state_store.hpp"

#include <oci/error.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string text(reinterpret_cast<const char*>(data), size);
    oci::core::Record record;
    try {
        record = oci::core::record_from_json(text, "state.json");
    } catch (const oci::Error&) {
        return 0;
    }
    std::string json = oci::core::record_to_json(record);
    std::string again;
    try {
        again = oci::core::record_to_json(oci::core::record_from_json(json, "state.json"));
    } catch (const oci::Error& e) {
        std::fprintf(stderr, "a record wrote JSON that does not read back: %s\n%s\n", e.what(), json.c_str());
        std::abort();
    }
    if (again != json) {
        std::fprintf(stderr, "a record does not survive writing and reading:\n%s\n%s\n", json.c_str(), again.c_str());
        std::abort();
    }
    return 0;
}
