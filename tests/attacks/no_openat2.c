/* no_openat2: runs a program with openat2(2) and fsopen(2) failing with ENOSYS, as under a
 * seccomp profile that does not know them (Docker's before 20.10, many in the wild). Without
 * fsopen ocirun cannot mount the overlayfs view of itself and takes the sealed memfd copy.
 *
 *   no_openat2 PROGRAM [ARG...]      or, with no_openat2 as $OCIRUN, the program in
 *                                    $NO_OPENAT2_EXEC and the arguments as given.
 *
 * The filter is inherited by everything PROGRAM starts, containers included, so ocirun's
 * path resolution must take its userspace fallback for real (SECURITY-CATALOG section 3, mode 3;
 * crun's tests/no_openat2.c is the same idea). Root installs the filter without
 * no_new_privs, which would otherwise leak into the containers as a changed default.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif

#if defined(__x86_64__)
#define ARCH_NR AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH_NR AUDIT_ARCH_AARCH64
#else
#error "no_openat2: add this architecture's AUDIT_ARCH value"
#endif

int main(int argc, char **argv)
{
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_NR, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fsopen, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof filter / sizeof filter[0], .filter = filter};

    char **args = argv + 1;
    const char *program = getenv("NO_OPENAT2_EXEC");
    if (program == NULL || *program == '\0') {
        if (argc < 2) {
            fputs("usage: no_openat2 PROGRAM [ARG...] (or set NO_OPENAT2_EXEC)\n", stderr);
            return 2;
        }
        program = argv[1];
        args = argv + 2;
    }
    if (geteuid() != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        perror("no_openat2: PR_SET_NO_NEW_PRIVS");
        return 125;
    }
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
        perror("no_openat2: seccomp");
        return 125;
    }
    /* argv[0] stays the program's name; args points into our argv, which ends with NULL. */
    args[-1] = (char *)program;
    execvp(program, args - 1);
    fprintf(stderr, "no_openat2: exec %s: %s\n", program, strerror(errno));
    return 127;
}
