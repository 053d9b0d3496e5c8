// libFuzzer target: config.json text through the parser and the validator.
// Bad input must end in an oci::Error, never a crash; a config that parses
// must serialise to JSON that parses back to an equal model.
#include <oci/error.hpp>
#include <oci/spec.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string text(reinterpret_cast<const char*>(data), size);
    oci::spec::Config config;
    try {
        config = oci::spec::parse_config(text);
    } catch (const oci::Error&) {
        return 0;
    }
    std::string again = oci::spec::to_json(config, false);
    oci::spec::Config reparsed;
    try {
        reparsed = oci::spec::parse_config(again);
    } catch (const oci::Error& e) {
        std::fprintf(stderr, "a valid config serialised to JSON that does not parse: %s\n%s\n", e.what(), again.c_str());
        std::abort();
    }
    if (!(reparsed == config)) {
        std::fprintf(stderr, "a valid config does not survive to_json and back:\n%s\n", again.c_str());
        std::abort();
    }
    return 0;
}
