/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The in-memory link of the lwIP integration tests: a socketpair that
 * carries one IP packet per message between two processes, each with its
 * own lwIP stack (lwIP keeps its state in globals: one stack per process).
 * Only system headers are used here, so that they never meet lwIP's
 * socket definitions.
 */
#ifndef TL_LINK_H
#define TL_LINK_H

#include <stddef.h>
#include <stdint.h>

/** tl_link_recv(): nothing arrived before the timeout. */
#define TL_LINK_TIMEOUT (-2)

/** A connected pair of packet sockets in fd[0], fd[1]. 0 or -1. */
int tl_link_pair(int fd[2]);
/** Send one packet. 0 or -1. */
int tl_link_send(int fd, const void *pkt, size_t len);
/** Receive one packet: its length, 0 when the peer closed, TL_LINK_TIMEOUT, or -1. */
long tl_link_recv(int fd, void *buf, size_t cap, int timeout_ms);
/** Close a descriptor. */
void tl_link_close(int fd);
/** fork(): 0 in the child, its pid in the parent, -1 on error. */
int tl_fork(void);
/** Wait for child @p pid: its exit status, or -1 (killed, or a wait error). */
int tl_wait(int pid, int timeout_s);
/** End the child process with status @p code (no atexit handlers: cmocka's are the parent's). */
void tl_exit(int code);
/** The test's entropy source: /dev/urandom. 0 or -1. */
int tl_random(void *arg, uint8_t *out, size_t len);
/** Monotonic milliseconds. */
uint64_t tl_now_ms(void);

#endif /* TL_LINK_H */
