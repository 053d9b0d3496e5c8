/* probe: reports what a process sees from inside a container.
 *
 * Installed in the integration-test rootfs as /bin/probe and linked statically so that it runs
 * in a rootfs that holds nothing but busybox. Every report is plain `key=value` lines in a
 * fixed order, so that a bash test can grep one key without parsing anything.
 *
 * The action subcommands (write, open-write, exe-write, notify, alloc) report their outcome on stdout as `ok`
 * or `error=<errno name>` and exit 0 either way: the line is the result, and a test can capture
 * it without the exit status getting in the way. Usage errors exit 2.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strerrorname_np */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *errno_name(int err)
{
    /* glibc >= 2.32; a number is still better than nothing for an errno it does not name. */
    static char buf[32];
    const char *name = strerrorname_np(err);
    if (name)
        return name;
    snprintf(buf, sizeof buf, "E%d", err);
    return buf;
}

/* Reads the value of `Key:` from /proc/self/status into out (trimmed); 0 on success. */
static int status_field(const char *key, char *out, size_t outlen)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (!f)
        return -1;
    char line[512];
    size_t klen = strlen(key);
    int found = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) != 0 || line[klen] != ':')
            continue;
        const char *v = line + klen + 1;
        v += strspn(v, " \t");
        size_t n = strcspn(v, "\n");
        if (n >= outlen)
            n = outlen - 1;
        memcpy(out, v, n);
        out[n] = '\0';
        found = 0;
        break;
    }
    fclose(f);
    return found;
}

static int cmp_gid(const void *a, const void *b)
{
    gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;
    return x < y ? -1 : x > y;
}

static void report_ids(void)
{
    printf("uid=%u\ngid=%u\neuid=%u\negid=%u\n", (unsigned)getuid(), (unsigned)getgid(),
           (unsigned)geteuid(), (unsigned)getegid());
    int n = getgroups(0, NULL);
    gid_t *groups = NULL;
    if (n > 0) {
        groups = calloc((size_t)n, sizeof *groups);
        if (!groups || (n = getgroups(n, groups)) < 0)
            n = 0;
    }
    if (n < 0) {
        printf("groups=error=%s\n", errno_name(errno));
        free(groups);
        return;
    }
    qsort(groups, (size_t)n, sizeof *groups, cmp_gid);
    fputs("groups=", stdout);
    for (int i = 0; i < n; i++)
        printf("%s%u", i ? "," : "", (unsigned)groups[i]);
    putchar('\n');
    free(groups);
}

static void report_caps(void)
{
    static const struct { const char *key, *field; } sets[] = {
        {"cap_inh", "CapInh"}, {"cap_prm", "CapPrm"}, {"cap_eff", "CapEff"},
        {"cap_bnd", "CapBnd"}, {"cap_amb", "CapAmb"},
    };
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        char v[64];
        if (status_field(sets[i].field, v, sizeof v) != 0) {
            printf("%s=missing\n", sets[i].key);
            continue;
        }
        printf("%s=%016llx\n", sets[i].key, strtoull(v, NULL, 16));
    }
}

static void report_rlimits(void)
{
    static const struct { const char *name; int resource; } limits[] = {
        {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_FSIZE", RLIMIT_FSIZE},
        {"RLIMIT_DATA", RLIMIT_DATA},       {"RLIMIT_STACK", RLIMIT_STACK},
        {"RLIMIT_CORE", RLIMIT_CORE},       {"RLIMIT_RSS", RLIMIT_RSS},
        {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},
        {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_AS", RLIMIT_AS},
        {"RLIMIT_LOCKS", RLIMIT_LOCKS},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
        {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
        {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    };
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        struct rlimit rl;
        if (getrlimit(limits[i].resource, &rl) != 0) {
            printf("%s=error=%s\n", limits[i].name, errno_name(errno));
            continue;
        }
        printf("%s=", limits[i].name);
        if (rl.rlim_cur == RLIM_INFINITY)
            fputs("unlimited", stdout);
        else
            printf("%llu", (unsigned long long)rl.rlim_cur);
        putchar(':');
        if (rl.rlim_max == RLIM_INFINITY)
            fputs("unlimited", stdout);
        else
            printf("%llu", (unsigned long long)rl.rlim_max);
        putchar('\n');
    }
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return x < y ? -1 : x > y;
}

static void report_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) {
        printf("fds=error=%s\n", errno_name(errno));
        return;
    }
    int self = dirfd(d);
    int fds[4096];
    size_t n = 0;
    struct dirent *e;
    /* Collect first and print afterwards: the listing must not see fds that stdio opens. */
    while ((e = readdir(d)) != NULL && n < sizeof fds / sizeof fds[0]) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        int fd = atoi(e->d_name);
        if (fd != self)
            fds[n++] = fd;
    }
    if (e != NULL)
        printf("fds=truncated at %zu\n", n);
    qsort(fds, n, sizeof fds[0], cmp_int);
    for (size_t i = 0; i < n; i++) {
        char path[64], target[PATH_MAX];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fds[i]);
        ssize_t len = readlink(path, target, sizeof target - 1);
        if (len < 0) {
            printf("fd=%d error=%s\n", fds[i], errno_name(errno));
            continue;
        }
        target[len] = '\0';
        printf("fd=%d %s\n", fds[i], target);
    }
    closedir(d);
}

/* One /proc/self/mountinfo line:
 *   id parent maj:min root mountpoint mount-opts [optional fields...] - fstype source super-opts
 * The optional fields carry the propagation (shared:N, master:N, propagate_from:N, unbindable);
 * none means private. Paths keep the kernel's octal escapes (\040), so a line has no spaces
 * inside a value. */
static void report_mounts(void)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f) {
        printf("mounts=error=%s\n", errno_name(errno));
        return;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\n")] = '\0';
        /* strsep keeps empty fields (an empty source), which strtok would swallow. */
        char *fields[64];
        size_t n = 0;
        for (char *rest = line, *tok; n < 64 && (tok = strsep(&rest, " ")) != NULL;)
            fields[n++] = tok;
        size_t sep = 6;
        while (sep < n && strcmp(fields[sep], "-") != 0)
            sep++;
        if (n < 7 || sep + 3 >= n) {
            printf("mount=unparsed\n");
            continue;
        }
        char propagation[256] = "";
        for (size_t i = 6; i < sep; i++) {
            size_t used = strlen(propagation);
            snprintf(propagation + used, sizeof propagation - used, "%s%s", used ? "," : "",
                     fields[i]);
        }
        printf("mount=%s type=%s opts=%s super=%s propagation=%s\n", fields[4], fields[sep + 1],
               fields[5], fields[sep + 3], propagation[0] ? propagation : "private");
    }
    free(line);
    fclose(f);
}

static void report_hostname(void)
{
    struct utsname u;
    if (uname(&u) != 0) {
        printf("hostname=error=%s\n", errno_name(errno));
        return;
    }
    printf("hostname=%s\ndomainname=%s\n", u.nodename, u.domainname);
}

static void report_nnp(void)
{
    int v = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    if (v < 0)
        printf("no_new_privs=error=%s\n", errno_name(errno));
    else
        printf("no_new_privs=%d\n", v);
}

static void report_seccomp(void)
{
    char v[64];
    if (status_field("Seccomp", v, sizeof v) != 0)
        printf("seccomp=missing\n");
    else
        printf("seccomp=%s\n", v);
}

static void report_cwd(void)
{
    char buf[PATH_MAX];
    if (!getcwd(buf, sizeof buf))
        printf("cwd=error=%s\n", errno_name(errno));
    else
        printf("cwd=%s\n", buf);
}

static void report_umask(void)
{
    mode_t m = umask(0);
    umask(m);
    printf("umask=%04o\n", (unsigned)m);
}

static void report_pid(void)
{
    printf("pid=%d\nppid=%d\n", (int)getpid(), (int)getppid());
}

static void report_ns(void)
{
    static const char *const types[] = {
        "cgroup", "ipc", "mnt", "net", "pid", "pid_for_children",
        "time", "time_for_children", "user", "uts",
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        char path[64], target[256];
        snprintf(path, sizeof path, "/proc/self/ns/%s", types[i]);
        ssize_t len = readlink(path, target, sizeof target - 1);
        if (len < 0) {
            printf("ns_%s=error=%s\n", types[i], errno_name(errno));
            continue;
        }
        target[len] = '\0';
        printf("ns_%s=%s\n", types[i], target);
    }
}

static void report_env(void)
{
    for (char **e = environ; e && *e; e++)
        printf("%s\n", *e);
}

static void report_oom(void)
{
    FILE *f = fopen("/proc/self/oom_score_adj", "re");
    int v;
    if (!f) {
        printf("oom_score_adj=error=%s\n", errno_name(errno));
        return;
    }
    if (fscanf(f, "%d", &v) == 1)
        printf("oom_score_adj=%d\n", v);
    else
        printf("oom_score_adj=unparsed\n");
    fclose(f);
}

static void report_all(void)
{
    report_ids();
    report_caps();
    report_rlimits();
    report_fds();
    report_mounts();
    report_hostname();
    report_nnp();
    report_seccomp();
    report_cwd();
    report_umask();
    report_pid();
    report_ns();
    report_env();
    report_oom();
}

static void noop_handler(int sig)
{
    (void)sig;
}

/* Waits for one of the signals 1..31 and names it.
 * Blocked signals are queued even for a pid-namespace init (the kernel drops only signals whose
 * handler is SIG_DFL and that are not blocked), and the no-op handlers cover a kernel that
 * checks the handler first: either way the signal reaches sigwaitinfo. */
static int cmd_signal_wait(void)
{
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);

    sigset_t wanted;
    sigemptyset(&wanted);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = noop_handler;
    sigemptyset(&sa.sa_mask);
    for (int sig = 1; sig <= 31; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        sigaction(sig, &sa, NULL);
        sigaddset(&wanted, sig);
    }

    printf("ready\n");
    fflush(stdout);
    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&wanted, &info);
        if (sig < 0 && errno == EINTR)
            continue;
        if (sig < 0) {
            printf("signal=error=%s\n", errno_name(errno));
            return 1;
        }
        printf("signal=%d\n", sig);
        return 0;
    }
}

static int cmd_sleep(const char *arg)
{
    char *end;
    errno = 0;
    double secs = strtod(arg, &end);
    if (errno || *end || secs < 0)
        return -1;
    struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    return 0;
}

static void report_open(const char *path, int flags, const char *text)
{
    int fd = open(path, flags | O_CLOEXEC, 0644);
    if (fd < 0) {
        printf("error=%s\n", errno_name(errno));
        return;
    }
    if (text) {
        size_t len = strlen(text), off = 0;
        while (off < len) {
            ssize_t w = write(fd, text + off, len - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                printf("error=%s\n", errno_name(errno));
                close(fd);
                return;
            }
            off += (size_t)w;
        }
    }
    if (close(fd) != 0 && errno != EINTR) {
        printf("error=%s\n", errno_name(errno));
        return;
    }
    printf("ok\n");
}

/* sd_notify(3) without libsystemd: one datagram with TEXT to $NOTIFY_SOCKET, which is what an
 * engine's --sdnotify=container hands the container (a path, or "@name" in the abstract
 * namespace). Prints notify=sent or notify=error=ERRNO. */
static void cmd_notify(const char *text)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (!path || !*path || strlen(path) >= sizeof addr.sun_path) {
        printf("notify=error=NOTIFY_SOCKET unset or too long\n");
        return;
    }
    memcpy(addr.sun_path, path, strlen(path));
    if (addr.sun_path[0] == '@')
        addr.sun_path[0] = '\0';
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || sendto(fd, text, strlen(text), 0, (struct sockaddr *)&addr, len) < 0)
        printf("notify=error=%s\n", errno_name(errno));
    else
        printf("notify=sent\n");
    if (fd >= 0)
        close(fd);
}

/* Touches MIB mebibytes, one at a time, then exits 0: past a memory limit the OOM killer ends it. */
static int cmd_alloc(const char *arg)
{
    char *end;
    long mib = strtol(arg, &end, 10);
    if (*end || end == arg || mib <= 0)
        return -1;
    for (long i = 0; i < mib; i++) {
        char *block = malloc(1 << 20);
        if (!block) {
            printf("error=ENOMEM\n");
            return 0;
        }
        memset(block, 1, 1 << 20);
    }
    printf("ok\n");
    return 0;
}

static void usage(void)
{
    fputs("usage: probe ids|caps|rlimits|fds|mounts|hostname|nnp|seccomp|cwd|umask|pid|ns|env|oom|all\n"
          "       probe exit N | sleep SECONDS | signal-wait\n"
          "       probe write FILE TEXT | open-write FILE | exe-write\n"
          "       probe notify TEXT | alloc MIB\n",
          stderr);
}

int main(int argc, char **argv)
{
    static const struct { const char *name; void (*report)(void); } reports[] = {
        {"ids", report_ids},           {"caps", report_caps},   {"rlimits", report_rlimits},
        {"fds", report_fds},           {"mounts", report_mounts}, {"hostname", report_hostname},
        {"nnp", report_nnp},           {"seccomp", report_seccomp}, {"cwd", report_cwd},
        {"umask", report_umask},       {"pid", report_pid},     {"ns", report_ns},
        {"env", report_env},           {"oom", report_oom},     {"all", report_all},
    };
    if (argc < 2) {
        usage();
        return 2;
    }
    const char *cmd = argv[1];

    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++) {
        if (strcmp(cmd, reports[i].name) == 0 && argc == 2) {
            reports[i].report();
            return fflush(stdout) == 0 ? 0 : 1;
        }
    }

    if (strcmp(cmd, "exit") == 0 && argc == 3) {
        char *end;
        long code = strtol(argv[2], &end, 10);
        if (*end || end == argv[2] || code < 0 || code > 255) {
            usage();
            return 2;
        }
        return (int)code;
    }
    if (strcmp(cmd, "sleep") == 0 && argc == 3) {
        if (cmd_sleep(argv[2]) != 0) {
            usage();
            return 2;
        }
        return 0;
    }
    if (strcmp(cmd, "signal-wait") == 0 && argc == 2)
        return cmd_signal_wait();
    if (strcmp(cmd, "notify") == 0 && argc == 3)
        cmd_notify(argv[2]);
    else if (strcmp(cmd, "write") == 0 && argc == 4)
        report_open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, argv[3]);
    else if (strcmp(cmd, "open-write") == 0 && argc == 3)
        report_open(argv[2], O_WRONLY, NULL);
    else if (strcmp(cmd, "exe-write") == 0 && argc == 2)
        report_open("/proc/self/exe", O_WRONLY, NULL);
    else if (strcmp(cmd, "alloc") == 0 && argc == 3) {
        if (cmd_alloc(argv[2]) != 0) {
            usage();
            return 2;
        }
    }
    else {
        usage();
        return 2;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
