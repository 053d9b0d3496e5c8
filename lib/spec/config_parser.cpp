// parse_config and load_config: config.json text (or a bundle directory) to
// a validated spec::Config. Only the top-level object, mounts and hooks are
// read here; process, linux, resources and seccomp have readers of their own.
#include "spec/parsers.hpp"
#include "spec/validate.hpp"

#include <oci/error.hpp>
#include <util/unique_fd.hpp>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace oci::spec {

namespace {

Root read_root(const json::Node& node)
{
    Root root;
    node.read_required("path", root.path);
    node.read("readonly", root.readonly);
    return root;
}

Mount read_mount(const json::Node& node)
{
    Mount mount;
    node.read_required("destination", mount.destination);
    node.read("type", mount.type);
    node.read("source", mount.source);
    node.read("options", mount.options);
    mount.uid_mappings = node.read_each("uidMappings", detail::read_id_mapping);
    mount.gid_mappings = node.read_each("gidMappings", detail::read_id_mapping);
    return mount;
}

Hook read_hook(const json::Node& node)
{
    Hook hook;
    node.read_required("path", hook.path);
    node.read("args", hook.args);
    node.read("env", hook.env);
    node.read("timeout", hook.timeout);
    return hook;
}

Hooks read_hooks(const json::Node& node)
{
    Hooks hooks;
    hooks.prestart = node.read_each("prestart", read_hook);
    hooks.create_runtime = node.read_each("createRuntime", read_hook);
    hooks.create_container = node.read_each("createContainer", read_hook);
    hooks.start_container = node.read_each("startContainer", read_hook);
    hooks.poststart = node.read_each("poststart", read_hook);
    hooks.poststop = node.read_each("poststop", read_hook);
    return hooks;
}

// Other platforms' objects (windows, solaris, vm, zos, freebsd) are ignored
// like any unknown property.
Config read_config(const json::Node& node)
{
    Config config;
    node.read_required("ociVersion", config.oci_version);
    if (auto root = node.get("root"))
        config.root = read_root(*root);
    config.mounts = node.read_each("mounts", read_mount);
    if (auto process = node.get("process"))
        config.process = detail::read_process(*process);
    node.read("hostname", config.hostname);
    node.read("domainname", config.domainname);
    if (auto hooks = node.get("hooks"))
        config.hooks = read_hooks(*hooks);
    node.read("annotations", config.annotations);
    if (auto linux_node = node.get("linux"))
        config.linux_config = detail::read_linux_config(*linux_node);
    return config;
}

std::string read_file(const std::string& path)
{
    util::unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        throw_errno("open " + path);
    std::string text;
    char buffer[16384];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw_errno("read " + path);
        if (n == 0)
            return text;
        text.append(buffer, static_cast<std::size_t>(n));
    }
}

} // namespace

Config parse_config(const std::string& json_text, const std::string& source_name)
{
    json::Value document = json::parse(json_text, source_name);
    Config config = read_config(json::Node(document, source_name));
    validate(config, source_name);
    return config;
}

Config load_config(const std::string& bundle_dir, std::string& text)
{
    std::string path = "config.json";
    if (!bundle_dir.empty() && bundle_dir != ".")
        path = bundle_dir + (bundle_dir.back() == '/' ? "" : "/") + path;
    text = read_file(path);
    return parse_config(text, path);
}

Config load_config(const std::string& bundle_dir)
{
    std::string text;
    return load_config(bundle_dir, text);
}

} // namespace oci::spec
