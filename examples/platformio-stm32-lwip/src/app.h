/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The example application (board-independent) and what it needs from a
 * board (board/<name>/ or src/stm32/).
 */
#ifndef APP_H
#define APP_H

#include <stddef.h>
#include <stdint.h>

struct netif;

/* ---- provided by the board ------------------------------------------------ */
/* Milliseconds since boot (also lwIP's sys_now()). */
uint32_t board_now_ms(void);
/* Random bytes for tinyipsec and lwIP: the hardware RNG where there is one. */
int board_random(uint8_t *out, size_t len);
/* Stack painting: paint below the current stack pointer, and the number of
 * bytes of the stack ever used (from its top) since the last paint. */
void board_stack_repaint(void);
size_t board_stack_high_water(void);
/* Bytes of stack in use at the caller (top of the stack - stack pointer). */
size_t board_stack_depth(void);

/* ---- the application --------------------------------------------------------- */
/* UDP echo (port 7) and TCP echo (port 7) on every interface. */
void app_echo_init(void);
unsigned long app_echo_count(void);

/* Measurements on the target, printed on stdout: for each DH group a whole
 * IKEv2 PSK handshake between two tinyipsec contexts in memory (initiator
 * and responder), with the stack high-water mark (stack painting) and the
 * Mbed TLS arena's peak during the handshake and at steady state, then
 * ESP packets through the CHILD SA. Needs mbedtls_memory_buffer_alloc_init()
 * first. Returns 0 when every handshake completed and every packet came
 * through. @p icount: print instruction counts too (only meaningful under
 * qemu-system-arm -icount shift=0). */
int app_measure(int icount);

#endif
