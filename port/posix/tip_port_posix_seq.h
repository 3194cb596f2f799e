/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * POSIX port, private: the file-based sequence-number store
 * (tip_port_posix_cfg_t.seq_dir; see tip_port_posix.h for the contract).
 */
#ifndef TIP_PORT_POSIX_SEQ_H
#define TIP_PORT_POSIX_SEQ_H

#include "tip_port_posix.h"

/**
 * Open (creating it with mode 0700 if it is missing) the store directory
 * @p dir into p->fd_seq. Refused when it is not a directory (or is a
 * symbolic link), is not owned by this user, or is writable by group or
 * others. Returns 0 or TIP_ERR_PORT with p->errmsg set.
 */
int tip_port_posix_seq_open(tip_port_posix_t *p, const char *dir);

/** Set port->seq_load / seq_store when @p p has a store open. */
void tip_port_posix_seq_fill(const tip_port_posix_t *p, tip_port_t *port);

#endif /* TIP_PORT_POSIX_SEQ_H */
