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
 * The command is printed first, with a leading "+". Returns 0 when it
 * exited with status 0, else -1 (with a message on stderr).
 */
int gw_run_ip(const char *const argv[]);

/**
 * Append @p line and a newline to the key log file @p dir/@p table.
 * Returns 0, or -1 with the reason in @p err.
 */
int gw_keylog_append(const char *dir, const char *table, const char *line, char *err,
                     size_t err_len);

#endif /* GW_SYS_H */
