// Internal to the config writer: field helpers over json::Writer that
// leave out what is absent or empty, and the writers of each part of the
// model that live in separate files.
#pragma once

#include "spec/json_writer.hpp"

#include <oci/spec.hpp>

#include <optional>

namespace oci::spec {

namespace json {

inline void text_field(Writer& w, std::string_view key, const std::string& value)
{
    if (value.empty())
        return;
    w.key(key);
    w.string(value);
}

inline void strings_field(Writer& w, std::string_view key, const std::vector<std::string>& values)
{
    if (values.empty())
        return;
    w.key(key);
    w.strings(values);
}

inline void map_field(Writer& w, std::string_view key, const StringMap& values)
{
    if (values.empty())
        return;
    w.key(key);
    w.string_map(values);
}

template <class T> void int_field(Writer& w, std::string_view key, T value)
{
    w.key(key);
    w.integer(value);
}

template <class T> void int_field(Writer& w, std::string_view key, const std::optional<T>& value)
{
    if (value)
        int_field(w, key, *value);
}

template <class T> void nonzero_field(Writer& w, std::string_view key, T value)
{
    if (value != 0)
        int_field(w, key, value);
}

inline void bool_field(Writer& w, std::string_view key, const std::optional<bool>& value)
{
    if (!value)
        return;
    w.key(key);
    w.boolean(*value);
}

inline void true_field(Writer& w, std::string_view key, bool value)
{
    if (value)
        bool_field(w, key, true);
}

// Writes key: [ write_item(item)... ] unless items is empty.
template <class T, class Fn>
void list_field(Writer& w, std::string_view key, const std::vector<T>& items, Fn write_item)
{
    if (items.empty())
        return;
    w.key(key);
    w.begin_array();
    for (const T& item : items)
        write_item(w, item);
    w.end_array();
}

// Writes key: { ... } when value is set.
template <class T, class Fn>
void object_field(Writer& w, std::string_view key, const std::optional<T>& value, Fn write_body)
{
    if (!value)
        return;
    w.key(key);
    w.begin_object();
    write_body(w, *value);
    w.end_object();
}

} // namespace json

namespace detail {

void write_id_mapping(json::Writer& w, const IdMapping& m);
void write_linux_config(json::Writer& w, const LinuxConfig& lc);
// The body of a resources object (between its braces).
void write_resources(json::Writer& w, const Resources& r);

} // namespace detail

} // namespace oci::spec
