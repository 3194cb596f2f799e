/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Nucleo-F429ZI board layer (src/stm32/board_stm32.c).
 */
#ifndef APP_BOARD_STM32_H
#define APP_BOARD_STM32_H

#include <stdint.h>

/* Clocks, UART (printf), RNG, HAL tick. 0 or -1. */
int board_init(void);
uint32_t sys_now(void);

#endif
