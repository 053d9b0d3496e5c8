#include "early_command.hpp"

#include <oci/early.hpp>

namespace ocirun {

namespace {

OCI_EARLY bool equal(const char* a, const char* b)
{
    while (*a != '\0' && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

// The global flags that take a value as the next argument (global_flag_specs).
OCI_EARLY bool takes_value(const char* name)
{
    return equal(name, "root") || equal(name, "log") || equal(name, "log-format") ||
           equal(name, "cgroup-manager") || equal(name, "rootless") || equal(name, "criu");
}

OCI_EARLY bool has_equals(const char* s)
{
    for (; *s != '\0'; ++s)
        if (*s == '=')
            return true;
    return false;
}

// The create and run flags that take a value (create_flag_specs).
OCI_EARLY bool create_flag_takes_value(const char* name)
{
    return equal(name, "bundle") || equal(name, "b") || equal(name, "pid-file") || equal(name, "console-socket") ||
           equal(name, "preserve-fds") || equal(name, "pidfd-socket");
}

// Whether `arg` is "-<name>", "--<name>", or either with "=value" (then
// pointed to by value).
OCI_EARLY bool names_flag(const char* arg, const char* name, const char*& value)
{
    const char* a = arg + (arg[1] == '-' ? 2 : 1);
    while (*name != '\0' && *a == *name) {
        ++a;
        ++name;
    }
    if (*name != '\0' || (*a != '\0' && *a != '='))
        return false;
    value = *a == '=' ? a + 1 : nullptr;
    return true;
}

// The flag's name without its dashes, up to any '=', copied into out.
OCI_EARLY void flag_name(const char* arg, char* out, unsigned long room)
{
    const char* a = arg + (arg[1] == '-' ? 2 : 1);
    unsigned long n = 0;
    for (; *a != '\0' && *a != '=' && n + 1 < room; ++a)
        out[n++] = *a;
    out[n] = '\0';
}

} // namespace

OCI_EARLY const char* early_command_word(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i) {
        const char* a = argv[i];
        if (a[0] != '-' || a[1] == '\0')
            return a;
        if (equal(a, "--"))
            return i + 1 < argc ? argv[i + 1] : nullptr;
        const char* name = a + (a[1] == '-' ? 2 : 1);
        if (!has_equals(name) && takes_value(name))
            ++i;
    }
    return nullptr;
}

OCI_EARLY bool early_enters_container(int argc, char** argv)
{
    const char* word = early_command_word(argc, argv);
    return word != nullptr && (equal(word, "create") || equal(word, "run") || equal(word, "exec"));
}

OCI_EARLY const char* early_create_bundle(int argc, char** argv)
{
    const char* word = early_command_word(argc, argv);
    if (word == nullptr || (!equal(word, "create") && !equal(word, "run")))
        return nullptr;
    int i = 1;
    while (i < argc && argv[i] != word)
        ++i;
    const char* bundle = ".";
    for (++i; i < argc; ++i) {
        const char* a = argv[i];
        if (a[0] != '-' || a[1] == '\0')
            continue;
        if (equal(a, "--"))
            break;
        const char* value = nullptr;
        if (names_flag(a, "bundle", value) || (a[1] != '-' && names_flag(a, "b", value))) {
            if (value == nullptr && i + 1 < argc)
                value = argv[++i];
            if (value != nullptr)
                bundle = value;
            continue;
        }
        char name[32];
        flag_name(a, name, sizeof name);
        if (!has_equals(a) && create_flag_takes_value(name))
            ++i;
    }
    return bundle;
}

} // namespace ocirun
