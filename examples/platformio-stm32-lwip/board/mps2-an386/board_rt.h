/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Board runtime for mps2-an386 under QEMU (startup.c, board_rt.c).
 */
#ifndef BOARD_RT_H
#define BOARD_RT_H

#include <stddef.h>
#include <stdint.h>

void board_semihost_write0(const char *s);
void board_semihost_exit(int code);
/* The command line QEMU passes (-append): 0, or -1 when there is none. */
int board_semihost_cmdline(char *buf, size_t len);
/* Host wall-clock milliseconds since start (semihosting SYS_CLOCK, 10 ms steps). */
uint32_t board_elapsed_ms(void);

/* Stack painting: the whole main stack is painted at reset; the high-water
 * mark is how many bytes from the top were ever written. repaint() paints
 * again below the current stack pointer, so a later high_water() measures
 * what happened since (plus the depth at the time of the repaint). */
void board_stack_paint(void);
void board_stack_repaint(void);
size_t board_stack_size(void);
size_t board_stack_high_water(void);
size_t board_stack_depth(void);
uint32_t board_stack_sp(void);

/* Stack probe: the deepest stack pointer on entry to an instrumented
 * function (-finstrument-functions) between start and stop, as bytes below
 * the stack pointer at start; *deepest_fn (if not NULL) gets the function. */
void board_probe_start(void);
size_t board_probe_stop(void **deepest_fn);

#endif
