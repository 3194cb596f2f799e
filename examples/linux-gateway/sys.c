/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * linux-gateway: running ip(8) and writing the key log (see sys.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Where ip(8) may be: fixed paths, never $PATH (the gateway runs as root; a
 * directory early in an inherited $PATH must not decide what runs).
 */
static const char *const ip_paths[] = {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"};

/* The first candidate that is a regular, executable file owned by root and
 * writable by nobody else; NULL if there is none. */
static const char *ip_path(void)
{
    size_t i;

    for (i = 0; i < sizeof(ip_paths) / sizeof(ip_paths[0]); i++) {
        struct stat st;

        if (stat(ip_paths[i], &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 &&
            (st.st_mode & (S_IWGRP | S_IWOTH)) == 0 && (st.st_mode & S_IXUSR) != 0)
            return ip_paths[i];
    }
    return NULL;
}

/*
 * The gateway configures its TUN device with the ip command rather than
 * netlink to stay short. argv is passed as is (no shell), so nothing in the
 * config file is ever interpreted by sh, and ip gets a fixed environment.
 */
int gw_run_ip(const char *const argv[])
{
    static const char *const env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
    const char *path = ip_path();
    pid_t pid;
    int status, i, err;

    printf("+");
    for (i = 0; argv[i] != NULL; i++)
        printf(" %s", argv[i]);
    printf("\n");
    if (path == NULL) {
        fprintf(stderr, "linux-gateway: ip(8) not found as a root-owned file in /usr/sbin, "
                        "/sbin, /usr/bin or /bin (install iproute2)\n");
        return -1;
    }
    err = posix_spawn(&pid, path, NULL, NULL, (char *const *)argv, (char *const *)env);
    if (err != 0) {
        fprintf(stderr, "linux-gateway: cannot run %s: %s\n", path, strerror(err));
        return -1;
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/*
 * The key log holds every SA's keys in clear and the gateway runs as root,
 * often with the directory named by someone else: open the file without
 * following a symbolic link (O_NOFOLLOW) or blocking (a FIFO), and write only
 * into a regular file with no other hard link, owned by us and readable by
 * nobody else. A new file is created 0600. An existing file with a wider mode
 * is refused, not fixed: keys already in it may have been read, and whoever
 * made it so should decide (chmod 600, or remove it).
 */
int gw_keylog_append(const char *dir, const char *table, const char *line, char *err,
                     size_t err_len)
{
    char path[4096];
    struct stat st;
    int fd, ok;

    snprintf(path, sizeof(path), "%s/%s", dir, table);
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY,
              0600);
    if (fd < 0) {
        snprintf(err, err_len, "%s: %s%s", path, strerror(errno),
                 errno == ELOOP ? " (a symbolic link: refused)" : "");
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        snprintf(err, err_len, "%s: not a regular file: refused", path);
    } else if (st.st_nlink != 1) {
        snprintf(err, err_len, "%s: has %lu hard links: refused", path,
                 (unsigned long)st.st_nlink);
    } else if (st.st_uid != geteuid()) {
        snprintf(err, err_len, "%s: owned by uid %lu, not by us: refused", path,
                 (unsigned long)st.st_uid);
    } else if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        snprintf(err, err_len,
                 "%s: mode %04o lets group or others read the keys: refused (chmod 600 it, or "
                 "remove it)",
                 path, (unsigned)(st.st_mode & 07777));
    } else {
        ok = write(fd, line, strlen(line)) == (ssize_t)strlen(line) && write(fd, "\n", 1) == 1;
        if (!ok)
            snprintf(err, err_len, "%s: %s", path, strerror(errno));
        close(fd);
        return ok ? 0 : -1;
    }
    close(fd);
    return -1;
}
