// json::Writer: a thin owner of a yajl generator with typed helpers for the
// config writer. Integers go out as written digits, so uint64 values above
// INT64_MAX are not squeezed through yajl's long long.
#pragma once

#include <charconv>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

typedef struct yajl_gen_t* yajl_gen;

namespace oci::spec::json {

class Writer {
public:
    explicit Writer(bool pretty);
    ~Writer();
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    void begin_object();
    void end_object();
    void begin_array();
    void end_array();
    void key(std::string_view name);
    void string(std::string_view text);
    void boolean(bool value);

    template <class T> void integer(T value)
    {
        static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
        char digits[24];
        auto result = std::to_chars(digits, digits + sizeof digits, value);
        number(std::string_view(digits, static_cast<std::size_t>(result.ptr - digits)));
    }

    void strings(const std::vector<std::string>& values);
    void string_map(const std::map<std::string, std::string>& values);

    // The document so far.
    std::string text() const;

private:
    void number(std::string_view digits);
    void check(int status) const;

    yajl_gen gen_;
};

} // namespace oci::spec::json
