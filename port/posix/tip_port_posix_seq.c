/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * POSIX port: the sequence-number store for manually keyed SAs
 * (tip_port_t.seq_load / seq_store), one small text file per SA in a
 * directory of the application's choosing (tip_port_posix_cfg_t.seq_dir).
 *
 * A store must be durable before it returns and must never leave a lower
 * or unreadable value behind, whatever the moment of a crash: the new value
 * goes to a temporary file that is written, fsync'ed and then renamed over
 * the old one (rename is atomic), and the directory is fsync'ed so that the
 * rename itself survives. Files are opened with O_NOFOLLOW and created with
 * mode 0600; the directory must belong to this user and not be writable by
 * anyone else, since whoever can replace a file can make sequence numbers
 * (and so nonces) repeat.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* O_NOFOLLOW, O_DIRECTORY, O_CLOEXEC, openat() */
#endif

#include "tip_port_posix_seq.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* File format, one line: magic, version, the mark in decimal. */
#define SEQ_MAGIC "tinyipsec-seq 1 "
#define SEQ_NAME_MAX 96

/* Record why the store failed (and log it, the packet path only sees an
 * error code). errno is kept. */
static int seq_fail(tip_port_posix_t *p, const char *what, const char *name)
{
    int e = errno;

    (void)snprintf(p->errmsg, sizeof(p->errmsg), "sequence store: %s %s%s%s", what, name,
                   e != 0 ? ": " : "", e != 0 ? strerror(e) : "");
    p->sys_errno = e;
    if (p->log_level >= TIP_LOG_ERROR)
        (void)fprintf(stderr, "tinyipsec[error] %s\n", p->errmsg);
    errno = e;
    return TIP_ERR_PORT;
}

int tip_port_posix_seq_open(tip_port_posix_t *p, const char *dir)
{
    struct stat st;
    int fd;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return seq_fail(p, "cannot create", dir);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return seq_fail(p, "cannot open directory", dir);
    p->fd_seq = fd;
    if (fstat(fd, &st) != 0)
        return seq_fail(p, "cannot stat", dir);
    errno = 0;
    if (st.st_uid != geteuid())
        return seq_fail(p, "not owned by this user:", dir);
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return seq_fail(p, "writable by group or others (chmod 700):", dir);
    return TIP_OK;
}

/* "out-00001001-c0000201-c0000202.seq": direction, SPI, then the source and
 * destination address bytes in hex (8 digits for IPv4, 32 for IPv6). */
static void seq_name(const tip_sa_id_t *sa, char *name, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    const tip_addr_t *a[2];
    size_t n, i, k;

    a[0] = &sa->src;
    a[1] = &sa->dst;
    n = (size_t)snprintf(name, cap, "%s-%08lx", sa->dir == TIP_DIR_IN ? "in" : "out",
                         (unsigned long)sa->spi);
    for (k = 0; k < 2; k++) {
        size_t len = a[k]->family == TIP_AF_INET6 ? 16u : a[k]->family == TIP_AF_INET ? 4u : 0u;
        if (n + 2u + 2u * len + 5u > cap)
            break;
        name[n++] = '-';
        if (len == 0)
            name[n++] = '0';
        for (i = 0; i < len; i++) {
            name[n++] = hex[a[k]->addr[i] >> 4];
            name[n++] = hex[a[k]->addr[i] & 15u];
        }
    }
    (void)snprintf(name + n, cap - n, ".seq");
}

static int seq_load(void *arg, const tip_sa_id_t *sa, uint64_t *mark)
{
    tip_port_posix_t *p = arg;
    char name[SEQ_NAME_MAX], buf[64];
    const char *d;
    struct stat st;
    uint64_t v = 0;
    ssize_t n;
    size_t got = 0;
    int fd;

    seq_name(sa, name, sizeof(name));
    fd = openat(p->fd_seq, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? TIP_ERR_NOT_FOUND : seq_fail(p, "cannot open", name);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        close(fd);
        errno = 0;
        return seq_fail(p, "not a private regular file:", name);
    }
    while (got < sizeof(buf) - 1u) {
        n = read(fd, buf + got, sizeof(buf) - 1u - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    /* Exactly "tinyipsec-seq 1 <digits>\n": anything else is a damaged
     * store, and guessing a value could repeat nonces. */
    errno = 0;
    if (got < sizeof(SEQ_MAGIC) || memcmp(buf, SEQ_MAGIC, sizeof(SEQ_MAGIC) - 1u) != 0)
        return seq_fail(p, "damaged (bad header):", name);
    d = buf + sizeof(SEQ_MAGIC) - 1u;
    if (*d < '0' || *d > '9')
        return seq_fail(p, "damaged (no number):", name);
    for (; *d >= '0' && *d <= '9'; d++) {
        unsigned digit = (unsigned)(*d - '0');
        if (v > (UINT64_MAX - digit) / 10u)
            return seq_fail(p, "damaged (number too large):", name);
        v = v * 10u + digit;
    }
    if (d[0] != '\n' || d[1] != '\0')
        return seq_fail(p, "damaged (trailing bytes):", name);
    *mark = v;
    return TIP_OK;
}

static int seq_store(void *arg, const tip_sa_id_t *sa, uint64_t mark)
{
    tip_port_posix_t *p = arg;
    char name[SEQ_NAME_MAX], tmp[SEQ_NAME_MAX + 4], buf[64];
    size_t len, done = 0;
    ssize_t n;
    int fd, bad = 0;

    seq_name(sa, name, sizeof(name));
    (void)snprintf(tmp, sizeof(tmp), "%s.tmp", name); /* fits: tmp is 4 longer */
    len = (size_t)snprintf(buf, sizeof(buf), SEQ_MAGIC "%llu\n", (unsigned long long)mark);
    fd = openat(p->fd_seq, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return seq_fail(p, "cannot create", tmp);
    /* A temporary left by a crash may carry other bits: 0600 whatever the umask. */
    if (fchmod(fd, 0600) != 0)
        bad = 1;
    while (!bad && done < len) {
        n = write(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            bad = 1;
        else
            done += (size_t)n;
    }
    if (!bad && fsync(fd) != 0)
        bad = 1;
    if (close(fd) != 0)
        bad = 1;
    if (bad)
        return seq_fail(p, "cannot write", tmp);
    if (renameat(p->fd_seq, tmp, p->fd_seq, name) != 0)
        return seq_fail(p, "cannot rename to", name);
    if (fsync(p->fd_seq) != 0)
        return seq_fail(p, "cannot sync the directory of", name);
    return TIP_OK;
}

void tip_port_posix_seq_fill(const tip_port_posix_t *p, tip_port_t *port)
{
    if (p->fd_seq >= 0) {
        port->seq_load = seq_load;
        port->seq_store = seq_store;
    }
}
