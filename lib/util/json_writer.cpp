// JsonWriter over yajl_gen. yajl validates nesting; a misuse is a bug in
// ocirun, reported as an oci::Error rather than malformed output.
#include "util/json_writer.hpp"

#include <oci/error.hpp>

#include <yajl/yajl_gen.h>

namespace oci::util {

namespace {
yajl_gen G(void* g) { return static_cast<yajl_gen>(g); }
} // namespace

JsonWriter::JsonWriter(bool pretty) : gen_(yajl_gen_alloc(nullptr))
{
    if (gen_ == nullptr)
        throw Error("json: out of memory");
    yajl_gen_config(G(gen_), yajl_gen_beautify, pretty ? 1 : 0);
    yajl_gen_config(G(gen_), yajl_gen_indent_string, "\t");
    // Keep '/' as is: paths are the common payload and "\/" confuses readers.
    yajl_gen_config(G(gen_), yajl_gen_escape_solidus, 0);
    yajl_gen_config(G(gen_), yajl_gen_validate_utf8, 1);
}

JsonWriter::~JsonWriter() { yajl_gen_free(G(gen_)); }

void JsonWriter::check(int status, const char* what)
{
    if (status != yajl_gen_status_ok)
        throw Error(std::string("json: cannot write ") + what + " (yajl status " + std::to_string(status) + ")");
}

JsonWriter& JsonWriter::begin_object() { check(yajl_gen_map_open(G(gen_)), "object"); return *this; }
JsonWriter& JsonWriter::end_object() { check(yajl_gen_map_close(G(gen_)), "object end"); return *this; }
JsonWriter& JsonWriter::begin_array() { check(yajl_gen_array_open(G(gen_)), "array"); return *this; }
JsonWriter& JsonWriter::end_array() { check(yajl_gen_array_close(G(gen_)), "array end"); return *this; }

JsonWriter& JsonWriter::key(std::string_view k)
{
    check(yajl_gen_string(G(gen_), reinterpret_cast<const unsigned char*>(k.data()), k.size()), "key");
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view v)
{
    check(yajl_gen_string(G(gen_), reinterpret_cast<const unsigned char*>(v.data()), v.size()), "string");
    return *this;
}

JsonWriter& JsonWriter::value(bool v) { check(yajl_gen_bool(G(gen_), v ? 1 : 0), "bool"); return *this; }
JsonWriter& JsonWriter::value(int64_t v) { check(yajl_gen_integer(G(gen_), v), "integer"); return *this; }

JsonWriter& JsonWriter::value(uint64_t v)
{
    // yajl_gen_integer takes long long; values above INT64_MAX go out as number text.
    std::string text = std::to_string(v);
    check(yajl_gen_number(G(gen_), text.c_str(), text.size()), "integer");
    return *this;
}

JsonWriter& JsonWriter::null() { check(yajl_gen_null(G(gen_)), "null"); return *this; }

std::string JsonWriter::str() const
{
    const unsigned char* buf = nullptr;
    size_t len = 0;
    yajl_gen_get_buf(G(gen_), &buf, &len);
    return std::string(reinterpret_cast<const char*>(buf), len);
}

} // namespace oci::util
