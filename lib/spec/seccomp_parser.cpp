// Reading `linux.seccomp` into spec::Seccomp. Action, architecture, flag and
// operator names are checked by validate, not here.
#include "spec/parsers.hpp"

namespace oci::spec::detail {

namespace {

SeccompArg read_arg(const json::Node& node)
{
    SeccompArg arg;
    node.read_required("index", arg.index);
    node.read_required("value", arg.value);
    node.read("valueTwo", arg.value_two);
    node.read_required("op", arg.op);
    return arg;
}

SeccompSyscall read_syscall(const json::Node& node)
{
    SeccompSyscall syscall;
    node.read_required("names", syscall.names);
    node.read_required("action", syscall.action);
    node.read("errnoRet", syscall.errno_ret);
    syscall.args = node.read_each("args", read_arg);
    return syscall;
}

} // namespace

Seccomp read_seccomp(const json::Node& node)
{
    Seccomp seccomp;
    node.read_required("defaultAction", seccomp.default_action);
    node.read("defaultErrnoRet", seccomp.default_errno_ret);
    node.read("architectures", seccomp.architectures);
    node.read("flags", seccomp.flags);
    node.read("listenerPath", seccomp.listener_path);
    node.read("listenerMetadata", seccomp.listener_metadata);
    seccomp.syscalls = node.read_each("syscalls", read_syscall);
    return seccomp;
}

} // namespace oci::spec::detail
