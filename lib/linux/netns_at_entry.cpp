// Runs before the C library has started: raw system calls only, and see
// <oci/early.hpp> for what else that rules out.
#include "linux/netns_at_entry.hpp"

#include "linux/cpu_placement.hpp"
#include "linux/raw_syscall.hpp"

#include <oci/early.hpp>

#include <fcntl.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

namespace oci::sys {

namespace {

OCI_EARLY long arg(const void* p)
{
    return reinterpret_cast<long>(p);
}

// The keys and values the guess tells apart; anything else is kOther.
enum Word { kOther, kLinux, kNamespaces, kType, kPath, kNetwork, kUser };

OCI_EARLY bool same(const char* s, int len, const char* word)
{
    int i = 0;
    for (; i < len && word[i] != '\0'; ++i)
        if (s[i] != word[i])
            return false;
    return i == len && word[i] == '\0';
}

OCI_EARLY Word classify(const char* s, int len)
{
    if (same(s, len, "linux"))
        return kLinux;
    if (same(s, len, "namespaces"))
        return kNamespaces;
    if (same(s, len, "type"))
        return kType;
    if (same(s, len, "path"))
        return kPath;
    if (same(s, len, "network"))
        return kNetwork;
    if (same(s, len, "user"))
        return kUser;
    return kOther;
}

// A JSON scanner for one question: what linux.namespaces holds. Depth 1 is
// the document's object, 2 the linux object, 3 the namespaces array, 4 its
// entries. Only strings matter; a string is a key when a ':' follows it.
struct NamespaceScan {
    int depth = 0;
    bool in_string = false;
    bool escape = false;
    char text[16];
    int len = 0;            // of the string so far; more than fits: kOther
    bool pending = false;   // a string ended, and nothing structural since
    Word key[5] = {};       // the last key at depths 0-4
    bool in_linux = false;
    bool in_namespaces = false;
    Word type = kOther;     // of the entry being read
    bool has_path = false;
    bool network = false;   // a new network namespace was listed
    bool user = false;      // a user namespace was listed
    bool done = false;      // the namespaces array was read to its end
};

OCI_EARLY Word pending_word(const NamespaceScan& s)
{
    return s.len <= static_cast<int>(sizeof s.text) ? classify(s.text, s.len) : kOther;
}

OCI_EARLY void value_read(NamespaceScan& s)
{
    if (!s.pending || !s.in_namespaces || s.depth != 4)
        return;
    if (s.key[4] == kType)
        s.type = pending_word(s);
    else if (s.key[4] == kPath)
        s.has_path = s.len > 0;
}

OCI_EARLY void open_nested(NamespaceScan& s, char c)
{
    if (s.depth == 1 && c == '{' && s.key[1] == kLinux)
        s.in_linux = true;
    else if (s.depth == 2 && c == '[' && s.in_linux && s.key[2] == kNamespaces)
        s.in_namespaces = true;
    else if (s.depth == 3 && c == '{' && s.in_namespaces) {
        s.type = kOther;
        s.has_path = false;
        s.key[4] = kOther;
    }
    ++s.depth;
}

OCI_EARLY void close_nested(NamespaceScan& s)
{
    if (s.depth == 4 && s.in_namespaces) {
        if (s.type == kNetwork && !s.has_path)
            s.network = true;
        if (s.type == kUser)
            s.user = true;
    } else if (s.depth == 3 && s.in_namespaces) {
        s.in_namespaces = false;
        s.done = true;
    } else if (s.depth == 2) {
        s.in_linux = false;
    }
    --s.depth;
}

// Returns false when nothing more needs reading (or the text is no JSON we
// can follow).
OCI_EARLY bool scan(NamespaceScan& s, const char* p, long n)
{
    for (long i = 0; i < n; ++i) {
        char c = p[i];
        if (s.in_string) {
            if (s.escape) {
                s.escape = false;
            } else if (c == '\\') {
                s.escape = true;
            } else if (c == '"') {
                s.in_string = false;
                s.pending = true;
                continue;
            }
            if (s.len < static_cast<int>(sizeof s.text))
                s.text[s.len] = c;
            ++s.len;
            continue;
        }
        switch (c) {
        case '"':
            s.in_string = true;
            s.len = 0;
            break;
        case ':':
            if (s.pending && s.depth <= 4)
                s.key[s.depth] = pending_word(s);
            s.pending = false;
            break;
        case ',':
            value_read(s);
            s.pending = false;
            break;
        case '{':
        case '[':
            s.pending = false;
            open_nested(s, c);
            break;
        case '}':
        case ']':
            value_read(s);
            s.pending = false;
            if (s.depth == 0)
                return false;
            close_nested(s);
            if (s.done)
                return false;
            break;
        default:
            break;
        }
    }
    return true;
}

OCI_EARLY void zero(char* p, unsigned long n)
{
    for (unsigned long i = 0; i < n; ++i)
        p[i] = 0;
}

// A message of `len` bytes, with fd attached unless it is -1.
OCI_EARLY long send_with(int sock, void* data, unsigned long len, int fd)
{
    iovec iov;
    iov.iov_base = data;
    iov.iov_len = len;
    msghdr mh;
    zero(reinterpret_cast<char*>(&mh), sizeof mh);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    if (fd >= 0) {
        zero(control, sizeof control);
        mh.msg_control = control;
        mh.msg_controllen = sizeof control;
        cmsghdr* cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        *reinterpret_cast<int*>(CMSG_DATA(cm)) = fd;
    }
    return raw_syscall(SYS_sendmsg, sock, arg(&mh), MSG_NOSIGNAL | MSG_DONTWAIT);
}

OCI_EARLY int report(int sock, int err, int step, int ns_fd)
{
    NetnsAtEntryReport r;
    r.err = err;
    r.step = step;
    send_with(sock, &r, sizeof r, ns_fd);
    return err == 0 ? 0 : 1;
}

} // namespace

OCI_EARLY int make_netns_with_loopback(int& ns_fd, int& step)
{
    step = kNetnsUnshare;
    long rc = raw_syscall(SYS_unshare, CLONE_NEWNET);
    if (rc < 0)
        return static_cast<int>(-rc);
    step = kNetnsSocket;
    long inet = raw_syscall(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (inet < 0)
        return static_cast<int>(-inet);
    struct ifreq req;
    zero(reinterpret_cast<char*>(&req), sizeof req);
    req.ifr_name[0] = 'l';
    req.ifr_name[1] = 'o';
    step = kNetnsReadFlags;
    rc = raw_syscall(SYS_ioctl, inet, SIOCGIFFLAGS, arg(&req));
    if (rc >= 0) {
        step = kNetnsSetUp;
        req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
        rc = raw_syscall(SYS_ioctl, inet, SIOCSIFFLAGS, arg(&req));
    }
    if (rc >= 0) {
        // The socket's namespace is the new one: its fd, without procfs.
        step = kNetnsOpen;
        rc = raw_syscall(SYS_ioctl, inet, SIOCGSKNS);
    }
    raw_syscall(SYS_close, inet);
    if (rc < 0)
        return static_cast<int>(-rc);
    ns_fd = static_cast<int>(rc);
    return 0;
}

namespace {

// Makes the namespace and sends it, or the step that failed.
OCI_EARLY int make_and_send(int sock)
{
    int ns_fd = -1;
    int step = 0;
    int err = make_netns_with_loopback(ns_fd, step);
    return report(sock, err, step, err == 0 ? ns_fd : -1);
}

// The child's stack: it shares the first image's memory until that image's
// execve, and keeps it after.
alignas(16) char maker_stack[16 * 1024];

} // namespace

} // namespace oci::sys

// The child's body, called on its own stack by ocirun_clone_netns_maker. Of
// the fds of the program it keeps only its socket: the caller's pipes see EOF
// when the caller's copies close, not when this child exits.
extern "C" OCI_EARLY __attribute__((used)) int ocirun_netns_maker(long sock)
{
    using oci::sys::raw_syscall;
    if (sock > 0)
        raw_syscall(SYS_close_range, 0, sock - 1, 0);
    raw_syscall(SYS_close_range, sock + 1, ~0U, 0);
    return oci::sys::make_and_send(static_cast<int>(sock));
}

#if defined(__x86_64__)
// long ocirun_clone_netns_maker(long flags, void* stack_top, long sock):
// clone(2) onto stack_top; the child calls ocirun_netns_maker(sock) there and
// exits with its result. Returns the child's pid or -errno.
__asm__(R"(
    .text
    .globl ocirun_clone_netns_maker
    .type ocirun_clone_netns_maker, @function
ocirun_clone_netns_maker:
    mov %rdx, %r9
    xor %edx, %edx
    xor %r10d, %r10d
    xor %r8d, %r8d
    mov $56, %eax
    syscall
    test %rax, %rax
    jnz 1f
    xor %ebp, %ebp
    mov %r9, %rdi
    call ocirun_netns_maker
    mov %eax, %edi
    mov $60, %eax
    syscall
    ud2
1:
    ret
    .size ocirun_clone_netns_maker, . - ocirun_clone_netns_maker
)");
extern "C" long ocirun_clone_netns_maker(long flags, void* stack_top, long sock);
#endif

namespace oci::sys {

OCI_EARLY bool config_wants_netns_at_entry(int fd)
{
    // A guess is not worth reading more for: create reads the rest anyway.
    constexpr long kMaxRead = 4L << 20;
    NamespaceScan s;
    char buf[4096];
    for (long total = 0; total < kMaxRead;) {
        long n = raw_syscall(SYS_read, fd, arg(buf), sizeof buf);
        if (n <= 0 || !scan(s, buf, n))
            break;
        total += n;
    }
    return s.done && s.network && !s.user;
}

OCI_EARLY NetnsAtEntry start_netns_at_entry(const char* bundle)
{
    NetnsAtEntry none;
#if defined(__x86_64__)
    if (raw_syscall(SYS_geteuid) != 0)
        return none;
    int dir = static_cast<int>(raw_syscall(SYS_openat, AT_FDCWD, arg(bundle), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (dir < 0)
        return none;
    // Not blocking on a FIFO, and reading only a regular file: this is a guess.
    int config =
        static_cast<int>(raw_syscall(SYS_openat, dir, arg("config.json"), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    raw_syscall(SYS_close, dir);
    if (config < 0)
        return none;
    struct stat st;
    bool wanted = raw_syscall(SYS_fstat, config, arg(&st)) == 0 && S_ISREG(st.st_mode) &&
                  config_wants_netns_at_entry(config);
    raw_syscall(SYS_close, config);
    if (!wanted)
        return none;
    int pair[2];
    if (raw_syscall(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET, 0, arg(pair)) < 0)
        return none;
    // No exit signal: the re-executed image reaps it by its pid, and no
    // SIGCHLD reaches code that does not know it.
    long pid = ocirun_clone_netns_maker(CLONE_VM, maker_stack + sizeof maker_stack, pair[1]);
    raw_syscall(SYS_close, pair[1]);
    if (pid <= 0) {
        raw_syscall(SYS_close, pair[0]);
        return none;
    }
    // Moved off our CPU before it first runs, it runs beside the re-execution.
    keep_off_our_cpu(pid);
    NetnsAtEntry started;
    started.sock = pair[0];
    started.pid = static_cast<int>(pid);
    return started;
#else
    (void)bundle;
    return none;
#endif
}

namespace {

OCI_EARLY bool append(char* out, unsigned long room, unsigned long& n, const char* text)
{
    for (; *text != '\0'; ++text) {
        if (n + 1 >= room)
            return false;
        out[n++] = *text;
    }
    out[n] = '\0';
    return true;
}

OCI_EARLY bool append_number(char* out, unsigned long room, unsigned long& n, unsigned long value)
{
    char digits[24];
    int count = 0;
    do {
        digits[count++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (count > 0) {
        if (n + 1 >= room)
            return false;
        out[n++] = digits[--count];
    }
    out[n] = '\0';
    return true;
}

} // namespace

OCI_EARLY bool netns_at_entry_env(const NetnsAtEntry& started, char* out, unsigned long room)
{
    unsigned long n = 0;
    return append(out, room, n, kNetnsAtEntry) && append(out, room, n, "=") &&
           append_number(out, room, n, static_cast<unsigned long>(started.sock)) && append(out, room, n, ",") &&
           append_number(out, room, n, static_cast<unsigned long>(started.pid));
}

OCI_EARLY void park_with_netns_maker(const NetnsAtEntry& started, int fd)
{
    char none = 0;
    if (started.pid > 0)
        send_with(started.sock, &none, 1, fd);
}

OCI_EARLY void abandon_netns_at_entry(const NetnsAtEntry& started)
{
    if (started.pid <= 0)
        return;
    raw_syscall(SYS_close, started.sock);
    raw_syscall(SYS_kill, started.pid, SIGKILL);
    siginfo_t info;
    while (raw_syscall(SYS_waitid, P_PID, started.pid, arg(&info), WEXITED | __WALL, 0) == -EINTR) {
    }
}

} // namespace oci::sys
