// json::Writer over yajl_gen.
#include "spec/json_writer.hpp"

#include <oci/error.hpp>

#include <yajl/yajl_gen.h>

namespace oci::spec::json {

Writer::Writer(bool pretty) : gen_(yajl_gen_alloc(nullptr))
{
    if (!gen_)
        throw Error("json writer: out of memory");
    if (pretty) {
        yajl_gen_config(gen_, yajl_gen_beautify, 1);
        yajl_gen_config(gen_, yajl_gen_indent_string, "    ");
    }
}

Writer::~Writer()
{
    yajl_gen_free(gen_);
}

// Only misuse (a key outside an object, a second top-level value) makes
// yajl_gen fail; that is a bug in the caller, reported as such.
void Writer::check(int status) const
{
    if (status != yajl_gen_status_ok)
        throw Error("json writer: yajl_gen status " + std::to_string(status));
}

void Writer::begin_object() { check(yajl_gen_map_open(gen_)); }
void Writer::end_object() { check(yajl_gen_map_close(gen_)); }
void Writer::begin_array() { check(yajl_gen_array_open(gen_)); }
void Writer::end_array() { check(yajl_gen_array_close(gen_)); }

void Writer::key(std::string_view name)
{
    string(name);
}

void Writer::string(std::string_view text)
{
    check(yajl_gen_string(gen_, reinterpret_cast<const unsigned char*>(text.data()), text.size()));
}

void Writer::boolean(bool value)
{
    check(yajl_gen_bool(gen_, value ? 1 : 0));
}

void Writer::number(std::string_view digits)
{
    check(yajl_gen_number(gen_, digits.data(), digits.size()));
}

void Writer::strings(const std::vector<std::string>& values)
{
    begin_array();
    for (const std::string& value : values)
        string(value);
    end_array();
}

void Writer::string_map(const std::map<std::string, std::string>& values)
{
    begin_object();
    for (const auto& [name, value] : values) {
        key(name);
        string(value);
    }
    end_object();
}

std::string Writer::text() const
{
    const unsigned char* buffer = nullptr;
    size_t length = 0;
    check(yajl_gen_get_buf(gen_, &buffer, &length));
    return std::string(reinterpret_cast<const char*>(buffer), length);
}

} // namespace oci::spec::json
