// default_config: runc's `spec` output in content, and its rootless variant.
#include "helpers.hpp"

#include <oci/spec.hpp>

#include <catch2/catch.hpp>

#include <algorithm>

using namespace oci::spec;

namespace {

const Mount* find_mount(const Config& c, const std::string& destination)
{
    for (const Mount& m : c.mounts)
        if (m.destination == destination)
            return &m;
    return nullptr;
}

bool has_namespace(const Config& c, NamespaceType type)
{
    const auto& list = c.linux_config->namespaces;
    return std::any_of(list.begin(), list.end(), [&](const Namespace& ns) { return ns.type == type; });
}

} // namespace

TEST_CASE("default_config: runc's spec, hostname ocirun")
{
    Config c = default_config();
    CHECK(c.oci_version == "1.3.0");
    CHECK(c.root == Root{"rootfs", true});
    CHECK(c.hostname == "ocirun");
    REQUIRE(c.process);
    CHECK(c.process->terminal);
    CHECK(c.process->user == User{});
    CHECK(c.process->args == std::vector<std::string>{"sh"});
    CHECK(c.process->env == std::vector<std::string>{
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"});
    CHECK(c.process->cwd == "/");
    CHECK(c.process->no_new_privileges);
    CHECK(c.process->rlimits == std::vector<Rlimit>{{"RLIMIT_NOFILE", 1024, 1024}});
    std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    CHECK(c.process->capabilities->bounding == caps);
    CHECK(c.process->capabilities->effective == caps);
    CHECK(c.process->capabilities->permitted == caps);

    std::vector<std::string> destinations;
    for (const Mount& m : c.mounts)
        destinations.push_back(m.destination);
    CHECK(destinations == std::vector<std::string>{"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"});
    CHECK(find_mount(c, "/dev/pts")->options ==
          std::vector<std::string>{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"});
    CHECK(find_mount(c, "/dev/shm")->source == "shm");
    CHECK(find_mount(c, "/sys/fs/cgroup")->options == std::vector<std::string>{"nosuid", "noexec", "nodev", "relatime", "ro"});

    const LinuxConfig& lc = *c.linux_config;
    CHECK(lc.resources->devices == std::vector<DeviceCgroupRule>{{false, "", std::nullopt, std::nullopt, "rwm"}});
    CHECK(lc.namespaces == std::vector<Namespace>{{NamespaceType::pid, ""}, {NamespaceType::network, ""},
                                                  {NamespaceType::ipc, ""}, {NamespaceType::uts, ""},
                                                  {NamespaceType::mount, ""}, {NamespaceType::cgroup, ""}});
    CHECK(lc.masked_paths.size() == 10);
    CHECK(lc.masked_paths.front() == "/proc/acpi");
    CHECK(lc.masked_paths.back() == "/proc/scsi");
    CHECK(lc.readonly_paths == std::vector<std::string>{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"});
    CHECK(lc.uid_mappings.empty());
    CHECK_NOTHROW(parse_config(to_json(c)));
}

TEST_CASE("default_config: inheritable and ambient capabilities stay empty")
{
    for (bool rootless : {false, true}) {
        Config c = default_config(rootless, 1000, 1000);
        CHECK_FALSE(c.process->capabilities->inheritable);
        CHECK_FALSE(c.process->capabilities->ambient);
    }
}

TEST_CASE("default_config: rootless variant follows runc 1.1.5's ToRootless")
{
    Config c = default_config(true, 1000, 1001);
    const LinuxConfig& lc = *c.linux_config;
    CHECK_FALSE(has_namespace(c, NamespaceType::network));
    CHECK(lc.namespaces.back() == Namespace{NamespaceType::user, ""});
    CHECK(has_namespace(c, NamespaceType::cgroup));
    CHECK(lc.uid_mappings == std::vector<IdMapping>{{0, 1000, 1}});
    CHECK(lc.gid_mappings == std::vector<IdMapping>{{0, 1001, 1}});
    CHECK_FALSE(lc.resources);
    REQUIRE(find_mount(c, "/sys"));
    CHECK(*find_mount(c, "/sys") == Mount{"/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"}, {}, {}});
    // CVE-2023-25809: without its own mount, /sys/fs/cgroup would be the
    // host's, under a "ro" rbind that leaves submounts writable.
    REQUIRE(find_mount(c, "/sys/fs/cgroup"));
    CHECK(*find_mount(c, "/sys/fs/cgroup") ==
          Mount{"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}, {}, {}});
    std::vector<std::string> order;
    for (const Mount& m : c.mounts)
        order.push_back(m.destination);
    CHECK(order == std::vector<std::string>{"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys",
                                            "/sys/fs/cgroup"});
    CHECK(find_mount(c, "/dev/pts")->options ==
          std::vector<std::string>{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"});
    CHECK(c.process->user == User{});
    CHECK(c.hostname == "ocirun");
    CHECK_NOTHROW(parse_config(to_json(c)));
}
