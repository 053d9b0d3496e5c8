// json::parse (yajl's callback parser building a json::Value tree) and the
// typed, path-aware accessors of json::Node.
#include "spec/json_reader.hpp"

#include <oci/error.hpp>

#include <yajl/yajl_parse.h>

#include <algorithm>
#include <charconv>
#include <memory>

namespace oci::spec::json {

Value::Value() = default;
Value::Value(const Value&) = default;
Value::Value(Value&&) noexcept = default;
Value& Value::operator=(const Value&) = default;
Value& Value::operator=(Value&&) noexcept = default;
Value::~Value() = default;

namespace {

// Deeper documents are refused: config.json never nests past ten levels, and
// the tree is destroyed recursively.
constexpr std::size_t max_depth = 512;

struct Builder {
    Value root;
    bool have_root = false;
    std::vector<Value*> open;  // containers being filled, innermost last
    std::string pending_key;
    bool too_deep = false;

    // Places a finished or freshly opened value and returns where it lives.
    // Pointers into a parent's vector stay valid while the child is open:
    // the parent receives nothing else until the child is closed.
    Value* add(Value value)
    {
        if (open.empty()) {
            root = std::move(value);
            have_root = true;
            return &root;
        }
        Value* parent = open.back();
        if (parent->kind == Value::Kind::array) {
            parent->items.push_back(std::move(value));
            return &parent->items.back();
        }
        parent->members.emplace_back(std::move(pending_key), std::move(value));
        pending_key.clear();
        return &parent->members.back().second;
    }

    int open_container(Value::Kind kind)
    {
        if (open.size() >= max_depth) {
            too_deep = true;
            return 0;
        }
        Value value;
        value.kind = kind;
        open.push_back(add(std::move(value)));
        return 1;
    }
};

Builder& builder(void* ctx)
{
    return *static_cast<Builder*>(ctx);
}

int on_null(void* ctx)
{
    builder(ctx).add(Value{});
    return 1;
}

int on_boolean(void* ctx, int boolean)
{
    Value value;
    value.kind = Value::Kind::boolean;
    value.boolean = boolean != 0;
    builder(ctx).add(std::move(value));
    return 1;
}

// With yajl_number set, yajl hands every number over as written and never
// converts it, so 18446744073709551615 is not lost to long long overflow.
int on_number(void* ctx, const char* text, size_t len)
{
    Value value;
    value.kind = Value::Kind::number;
    value.text.assign(text, len);
    builder(ctx).add(std::move(value));
    return 1;
}

int on_string(void* ctx, const unsigned char* text, size_t len)
{
    Value value;
    value.kind = Value::Kind::string;
    value.text.assign(reinterpret_cast<const char*>(text), len);
    builder(ctx).add(std::move(value));
    return 1;
}

int on_start_map(void* ctx)
{
    return builder(ctx).open_container(Value::Kind::object);
}

int on_map_key(void* ctx, const unsigned char* text, size_t len)
{
    builder(ctx).pending_key.assign(reinterpret_cast<const char*>(text), len);
    return 1;
}

int on_end_container(void* ctx)
{
    builder(ctx).open.pop_back();
    return 1;
}

int on_start_array(void* ctx)
{
    return builder(ctx).open_container(Value::Kind::array);
}

constexpr yajl_callbacks callbacks = {
    on_null, on_boolean, nullptr, nullptr, on_number, on_string,
    on_start_map, on_map_key, on_end_container, on_start_array, on_end_container,
};

// 1-based line and column of byte `offset`; columns count characters, not
// UTF-8 continuation bytes.
std::string position(const std::string& text, std::size_t offset)
{
    offset = std::min(offset, text.size());
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i < offset; ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            ++line;
            column = 1;
        } else if ((c & 0xC0) != 0x80) {
            ++column;
        }
    }
    return std::to_string(line) + ":" + std::to_string(column);
}

std::string yajl_reason(yajl_handle handle)
{
    unsigned char* raw = yajl_get_error(handle, 0, nullptr, 0);
    std::string reason = raw ? reinterpret_cast<const char*>(raw) : "invalid JSON";
    if (raw)
        yajl_free_error(handle, raw);
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' '))
        reason.pop_back();
    return reason;
}

bool is_identifier(std::string_view key)
{
    if (key.empty() || (key[0] >= '0' && key[0] <= '9'))
        return false;
    for (char c : key)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    return true;
}

} // namespace

std::string quote(std::string_view text)
{
    static const char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            out += "\\u00";
            out += hex[u >> 4];
            out += hex[u & 0xF];
        } else {
            out += c;
        }
    }
    return out + "\"";
}

namespace {

bool is_integer_text(const std::string& text)
{
    return text.find_first_of(".eE") == std::string::npos;
}

} // namespace

Value parse(const std::string& text, const std::string& source_name)
{
    Builder built;
    std::unique_ptr<yajl_handle_t, void (*)(yajl_handle)> handle(
        yajl_alloc(&callbacks, nullptr, &built), yajl_free);
    if (!handle)
        throw Error(source_name + ": out of memory");

    auto data = reinterpret_cast<const unsigned char*>(text.data());
    yajl_status status = yajl_parse(handle.get(), data, text.size());
    // yajl counts the bytes it consumed up to and including the offending
    // token, so the error is at the last consumed byte. Errors found by
    // yajl_complete_parse (premature EOF, a trailing number) are at the end.
    std::size_t offset = yajl_get_bytes_consumed(handle.get());
    offset = offset > 0 ? offset - 1 : 0;
    if (status == yajl_status_ok) {
        status = yajl_complete_parse(handle.get());
        offset = text.empty() ? 0 : text.size() - 1;
    }
    if (built.too_deep)
        throw Error(source_name + ":" + position(text, offset) + ": nesting deeper than " +
                    std::to_string(max_depth) + " levels");
    if (status != yajl_status_ok)
        throw Error(source_name + ":" + position(text, offset) + ": " + yajl_reason(handle.get()));
    if (!built.have_root)
        throw Error(source_name + ":1:1: empty document");
    return std::move(built.root);
}

std::string child_path(const std::string& parent, std::string_view key)
{
    if (is_identifier(key))
        return parent.empty() ? std::string(key) : parent + "." + std::string(key);
    return parent + "[" + quote(key) + "]";
}

std::string index_path(const std::string& parent, std::size_t index)
{
    return parent + "[" + std::to_string(index) + "]";
}

std::string describe(const Value& value)
{
    constexpr std::size_t max_shown = 64;
    switch (value.kind) {
    case Value::Kind::null:
        return "null";
    case Value::Kind::boolean:
        return value.boolean ? "true" : "false";
    case Value::Kind::number:
        return value.text.size() > max_shown ? value.text.substr(0, max_shown) + "..." : value.text;
    case Value::Kind::string: {
        if (value.text.size() <= max_shown)
            return quote(value.text);
        std::size_t cut = max_shown;
        while (cut > 0 && (static_cast<unsigned char>(value.text[cut]) & 0xC0) == 0x80)
            --cut;
        return quote(value.text.substr(0, cut)) + "...";
    }
    case Value::Kind::array:
        return "an array";
    case Value::Kind::object:
        return "an object";
    }
    return "a value";
}

Node::Node(const Value& value, const std::string& source_name, std::string path)
    : value_(&value), source_name_(&source_name), path_(std::move(path))
{
}

void Node::fail(const std::string& message) const
{
    if (path_.empty())
        throw Error(*source_name_ + ": " + message);
    throw Error(*source_name_ + ": " + path_ + ": " + message);
}

void Node::fail_expected(const std::string& what) const
{
    fail("expected " + what + ", got " + describe(*value_));
}

void Node::expect(Value::Kind kind, const char* what) const
{
    if (value_->kind != kind)
        fail_expected(what);
}

std::string Node::as_string() const
{
    expect(Value::Kind::string, "string");
    return value_->text;
}

bool Node::as_bool() const
{
    expect(Value::Kind::boolean, "boolean");
    return value_->boolean;
}

int64_t Node::as_signed(int64_t lo, int64_t hi) const
{
    const std::string& text = value_->text;
    if (value_->kind != Value::Kind::number || !is_integer_text(text))
        fail_expected("integer");
    int64_t number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || end != text.data() + text.size() || number < lo || number > hi)
        fail_expected("integer between " + std::to_string(lo) + " and " + std::to_string(hi));
    return number;
}

uint64_t Node::as_unsigned(uint64_t hi) const
{
    const std::string& text = value_->text;
    if (value_->kind != Value::Kind::number || !is_integer_text(text))
        fail_expected("a non-negative integer");
    if (text == "-0")
        return 0;
    if (text[0] == '-')
        fail_expected("a non-negative integer");
    uint64_t number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || end != text.data() + text.size() || number > hi)
        fail_expected("integer between 0 and " + std::to_string(hi));
    return number;
}

std::optional<Node> Node::get(std::string_view key) const
{
    expect(Value::Kind::object, "object");
    const auto& members = value_->members;
    for (auto it = members.rbegin(); it != members.rend(); ++it) {
        if (it->first != key)
            continue;
        if (it->second.kind == Value::Kind::null)
            return std::nullopt;
        return Node(it->second, *source_name_, child_path(path_, key));
    }
    return std::nullopt;
}

Node Node::required(std::string_view key) const
{
    expect(Value::Kind::object, "object");
    for (auto it = value_->members.rbegin(); it != value_->members.rend(); ++it)
        if (it->first == key)
            return Node(it->second, *source_name_, child_path(path_, key));
    Node(*value_, *source_name_, child_path(path_, key)).fail("missing required field");
}

std::vector<std::pair<std::string, Node>> Node::members() const
{
    expect(Value::Kind::object, "object");
    std::vector<std::pair<std::string, Node>> out;
    for (const auto& [key, member] : value_->members)
        out.emplace_back(key, Node(member, *source_name_, child_path(path_, key)));
    return out;
}

std::vector<Node> Node::items() const
{
    expect(Value::Kind::array, "array");
    std::vector<Node> out;
    for (std::size_t i = 0; i < value_->items.size(); ++i)
        out.emplace_back(value_->items[i], *source_name_, index_path(path_, i));
    return out;
}

} // namespace oci::spec::json
