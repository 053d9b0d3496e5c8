// Namespace flags, path checks and setns.
#include "linux/namespaces.hpp"

#include <oci/error.hpp>

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace oci::sys {

bool in_initial_user_ns()
{
    util::unique_fd fd(::open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC));
    if (!fd)
        return true;   // no procfs: nothing to go by, assume the usual case
    char buf[256];
    ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
    if (n <= 0)
        return true;
    buf[n] = '\0';
    unsigned long inside = 1, outside = 1, count = 0;
    int lines = 0;
    for (char* p = buf; *p; ++p)
        lines += *p == '\n';
    return std::sscanf(buf, "%lu %lu %lu", &inside, &outside, &count) == 3 && lines == 1 && inside == 0 &&
           outside == 0 && count == 4294967295UL;
}

int clone_flag(spec::NamespaceType type)
{
    using T = spec::NamespaceType;
    switch (type) {
    case T::pid: return CLONE_NEWPID;
    case T::network: return CLONE_NEWNET;
    case T::mount: return CLONE_NEWNS;
    case T::ipc: return CLONE_NEWIPC;
    case T::uts: return CLONE_NEWUTS;
    case T::user: return CLONE_NEWUSER;
    case T::cgroup: return CLONE_NEWCGROUP;
    case T::time: return CLONE_NEWTIME;
    }
    return 0;
}

bool NamespacePlan::joins_type(spec::NamespaceType t) const
{
    return std::any_of(joins.begin(), joins.end(), [t](const JoinedNamespace& j) { return j.type == t; });
}

NamespacePlan plan_namespaces(const std::vector<spec::Namespace>& namespaces)
{
    NamespacePlan plan;
    for (const auto& ns : namespaces) {
        if (ns.path.empty()) {
            plan.new_flags |= clone_flag(ns.type);
            continue;
        }
        std::string what = std::string(spec::to_string(ns.type)) + " namespace " + ns.path;
        util::unique_fd fd(::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd)
            throw_errno("open " + what);
        int actual = ::ioctl(fd.get(), NS_GET_NSTYPE);
        if (actual < 0)
            throw Error(what + ": not a namespace file", errno);
        if (actual != clone_flag(ns.type))
            throw Error(what + ": the file is a namespace of another type");
        plan.joins.push_back({ns.type, ns.path, std::move(fd)});
    }
    // The user namespace is joined first: it decides which others we may join.
    std::stable_partition(plan.joins.begin(), plan.joins.end(),
                          [](const JoinedNamespace& j) { return j.type == spec::NamespaceType::user; });
    return plan;
}

void join_namespaces(const NamespacePlan& plan, bool user_only, bool skip_user)
{
    for (const auto& j : plan.joins) {
        bool is_user = j.type == spec::NamespaceType::user;
        if ((user_only && !is_user) || (skip_user && is_user))
            continue;
        if (::setns(j.fd.get(), clone_flag(j.type)) < 0)
            throw_errno("join " + std::string(spec::to_string(j.type)) + " namespace " + j.path);
    }
}

} // namespace oci::sys
