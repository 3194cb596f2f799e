/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The in-memory link (see tl_link.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "tl_link.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int tl_link_pair(int fd[2])
{
    return socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fd);
}

int tl_link_send(int fd, const void *pkt, size_t len)
{
    ssize_t n;
    do {
        n = send(fd, pkt, len, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n == (ssize_t)len ? 0 : -1;
}

long tl_link_recv(int fd, void *buf, size_t cap, int timeout_ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    ssize_t n;
    int r;

    do {
        r = poll(&p, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        return -1;
    if (r == 0)
        return TL_LINK_TIMEOUT;
    do {
        n = recv(fd, buf, cap, 0);
    } while (n < 0 && errno == EINTR);
    return (long)n;
}

void tl_link_close(int fd)
{
    (void)close(fd);
}

int tl_fork(void)
{
    return (int)fork();
}

int tl_wait(int pid, int timeout_s)
{
    int st = 0, i;
    pid_t r = 0;

    for (i = 0; i < timeout_s * 100; i++) {
        r = waitpid((pid_t)pid, &st, WNOHANG);
        if (r != 0)
            break;
        usleep(10000);
    }
    if (r == 0) {
        (void)kill((pid_t)pid, SIGKILL);
        (void)waitpid((pid_t)pid, &st, 0);
        return -1;
    }
    if (r < 0 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

void tl_exit(int code)
{
    _exit(code);
}

int tl_random(void *arg, uint8_t *out, size_t len)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    size_t got = 0;

    (void)arg;
    if (fd < 0)
        return -1;
    while (got < len) {
        ssize_t n = read(fd, out + got, len - got);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            close(fd);
            return -1;
        }
        got += (size_t)n;
    }
    close(fd);
    return 0;
}

uint64_t tl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
