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

} // namespace ocirun
