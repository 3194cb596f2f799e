/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * linux-gateway: what the gateway does to the system that needs care as root:
 * running ip(8) and writing the key log files.
 */
#ifndef GW_SYS_H
#define GW_SYS_H

#include <stddef.h>

/**
 * Run ip(8) with @p argv (argv[0] is "ip", NULL-terminated) and wait for it.
 * ip is taken from /usr/sbin, /sbin, /usr/bin or /bin (the first root-owned
 * regular file writable only by root), never through $PATH. The command is
 * printed first, with a leading "+". Returns 0 when it exited with status
 * 0, else -1 (with a message on stderr).
 */
int gw_run_ip(const char *const argv[]);

/**
 * Append @p line and a newline to the key log file @p dir/@p table, created
 * with mode 0600. Refused (-1, the reason in @p err): a symbolic link, a
 * file that is not regular, has another hard link, belongs to another user,
 * or that group or others may access. Returns 0 when written.
 */
int gw_keylog_append(const char *dir, const char *table, const char *line, char *err,
                     size_t err_len);

#endif /* GW_SYS_H */
