// JsonWriter: a thin RAII wrapper over yajl_gen for building documents.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace oci::util {

class JsonWriter {
public:
    explicit JsonWriter(bool pretty = false);
    ~JsonWriter();
    JsonWriter(const JsonWriter&) = delete;
    JsonWriter& operator=(const JsonWriter&) = delete;

    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view k);
    JsonWriter& value(std::string_view v);
    JsonWriter& value(const char* v) { return value(std::string_view(v)); }
    JsonWriter& value(const std::string& v) { return value(std::string_view(v)); }
    JsonWriter& value(bool v);
    JsonWriter& value(int64_t v);
    JsonWriter& value(uint64_t v);
    JsonWriter& value(int v) { return value(static_cast<int64_t>(v)); }
    JsonWriter& value(uint32_t v) { return value(static_cast<uint64_t>(v)); }
    JsonWriter& null();

    // The document so far (complete once every container is closed).
    std::string str() const;

private:
    void check(int status, const char* what);
    void* gen_;
};

} // namespace oci::util
