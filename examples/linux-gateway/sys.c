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
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/*
 * The gateway configures its TUN device with the ip command rather than
 * netlink to stay short; argv is passed as is (no shell), so nothing in the
 * config file is ever interpreted by sh.
 */
int gw_run_ip(const char *const argv[])
{
    pid_t pid;
    int status, i, err;

    printf("+");
    for (i = 0; argv[i] != NULL; i++)
        printf(" %s", argv[i]);
    printf("\n");
    err = posix_spawnp(&pid, argv[0], NULL, NULL, (char *const *)argv, environ);
    if (err != 0) {
        fprintf(stderr, "linux-gateway: cannot run %s: %s\n", argv[0], strerror(err));
        return -1;
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int gw_keylog_append(const char *dir, const char *table, const char *line, char *err,
                     size_t err_len)
{
    char path[4096];
    int fd, ok;

    snprintf(path, sizeof(path), "%s/%s", dir, table);
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600); /* secrets */
    ok = fd >= 0 && write(fd, line, strlen(line)) >= 0 && write(fd, "\n", 1) == 1;
    if (!ok)
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    return ok ? 0 : -1;
}
