// JSON reading for config.json and its relatives (process.json, resources):
// json::parse builds a small document tree with yajl's callback parser, and
// json::Node is a cursor into that tree which knows its JSON path
// ("mounts[2].destination") and throws oci::Error naming that path when a
// value has the wrong type or is out of range:
//   config.json: process.user.uid: expected a non-negative integer, got "root"
// Numbers are kept as written, so uint64 values above INT64_MAX survive.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace oci::spec::json {

struct Value {
    // Special members defined out of line: inline ones would need
    // pair<string, Value> complete inside Value itself, which clang with
    // libstdc++ refuses (the fuzz build is clang).
    Value();
    Value(const Value&);
    Value(Value&&) noexcept;
    Value& operator=(const Value&);
    Value& operator=(Value&&) noexcept;
    ~Value();

    enum class Kind { null, boolean, number, string, array, object };
    Kind kind = Kind::null;
    bool boolean = false;
    std::string text;                                   // string contents, or a number as written
    std::vector<Value> items;                           // array elements
    std::vector<std::pair<std::string, Value>> members; // object members, in document order
};

// Parses a whole JSON text. Syntax errors throw
//   oci::Error("<source_name>:<line>:<column>: <yajl's reason>")
// with line and column 1-based.
Value parse(const std::string& text, const std::string& source_name);

// "process" + "user" -> "process.user"; keys that are not identifiers are
// quoted: "linux.sysctl" + "net.core.somaxconn" -> linux.sysctl["net.core.somaxconn"].
std::string child_path(const std::string& parent, std::string_view key);
// "mounts" + 2 -> "mounts[2]".
std::string index_path(const std::string& parent, std::size_t index);

// text as a JSON string literal: "a\"b".
std::string quote(std::string_view text);

// Short rendering of a value for error messages: "root" (quoted), 12, true,
// null, an object, an array.
std::string describe(const Value& value);

template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_vector : std::false_type {};
template <class T> struct is_vector<std::vector<T>> : std::true_type {};
template <class T> struct is_string_map : std::false_type {};
template <class T> struct is_string_map<std::map<std::string, T>> : std::true_type {};

class Node {
public:
    // source_name must outlive the node and every node derived from it.
    Node(const Value& value, const std::string& source_name, std::string path = {});

    const std::string& path() const { return path_; }
    const Value& value() const { return *value_; }

    // Throws oci::Error("<source>: <path>: <message>").
    [[noreturn]] void fail(const std::string& message) const;
    // fail("expected <what>, got <this value>").
    [[noreturn]] void fail_expected(const std::string& what) const;

    std::string as_string() const;
    bool as_bool() const;
    // Integers in [lo, hi]; anything else (a string, 1.5, 1e3) is an error.
    int64_t as_signed(int64_t lo, int64_t hi) const;
    uint64_t as_unsigned(uint64_t hi) const;

    // The value converted to T: std::string, bool, an integer type (range
    // checked), std::vector<U> or std::map<std::string, U>.
    template <class T> T as() const;

    // Object members. get() returns nothing when the key is absent or null
    // (null means "not set", as in the Go runtime-spec types); the last of
    // duplicate keys wins. Both throw when this is not an object.
    std::optional<Node> get(std::string_view key) const;
    Node required(std::string_view key) const;
    std::vector<std::pair<std::string, Node>> members() const;

    // Array elements; throws when this is not an array.
    std::vector<Node> items() const;

    // Reads member `key` into out when present (out may be std::optional<T>);
    // returns whether it was.
    template <class T> bool read(std::string_view key, T& out) const
    {
        auto member = get(key);
        if (!member)
            return false;
        if constexpr (is_optional<T>::value)
            out = member->template as<typename T::value_type>();
        else
            out = member->template as<T>();
        return true;
    }

    // Like read, but a missing member is an error.
    template <class T> void read_required(std::string_view key, T& out) const
    {
        out = required(key).template as<T>();
    }

    // Member `key`, an array of objects, each turned into a T by read_item(Node).
    template <class Fn> auto read_each(std::string_view key, Fn&& read_item) const
    {
        std::vector<decltype(read_item(*this))> out;
        if (auto member = get(key))
            for (const Node& item : member->items())
                out.push_back(read_item(item));
        return out;
    }

private:
    void expect(Value::Kind kind, const char* what) const;

    const Value* value_;
    const std::string* source_name_;
    std::string path_;
};

template <class T> T Node::as() const
{
    if constexpr (std::is_same_v<T, std::string>) {
        return as_string();
    } else if constexpr (std::is_same_v<T, bool>) {
        return as_bool();
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
        return static_cast<T>(as_signed(std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
    } else if constexpr (std::is_integral_v<T>) {
        return static_cast<T>(as_unsigned(std::numeric_limits<T>::max()));
    } else if constexpr (is_vector<T>::value) {
        T out;
        for (const Node& item : items())
            out.push_back(item.template as<typename T::value_type>());
        return out;
    } else if constexpr (is_string_map<T>::value) {
        T out;
        for (const auto& [key, member] : members())
            out[key] = member.template as<typename T::mapped_type>();
        return out;
    } else {
        static_assert(!sizeof(T), "no JSON conversion for this type");
    }
}

} // namespace oci::spec::json
