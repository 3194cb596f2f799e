/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Minimal startup for the Arm MPS2 AN386 board (Cortex-M4F) as QEMU emulates
 * it (qemu-system-arm -M mps2-an386): vector table, .data/.bss setup, FPU on,
 * stack painting, newlib's semihosting I/O, main(), and the exit status back
 * to the host through semihosting.
 */
#include <stdint.h>
#include <stdlib.h>

#include "board_rt.h"

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[];
extern uint32_t _estack[], _sstack[];

int main(void);
/* newlib (librdimon): opens stdin/stdout/stderr through semihosting. */
extern void initialise_monitor_handles(void);

void Reset_Handler(void);
void Default_Handler(void);
void HardFault_Handler(void);
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));

/* Cortex-M vector table: initial stack pointer, then the handlers. */
__attribute__((section(".isr_vector"), used))
void (*const board_vectors[16])(void) = {
    (void (*)(void))(uintptr_t)_estack,
    Reset_Handler,
    Default_Handler,   /* NMI */
    HardFault_Handler, /* HardFault */
    HardFault_Handler, /* MemManage */
    HardFault_Handler, /* BusFault */
    HardFault_Handler, /* UsageFault */
    0, 0, 0, 0,
    Default_Handler,   /* SVCall */
    Default_Handler,   /* DebugMon */
    0,
    Default_Handler,   /* PendSV */
    SysTick_Handler,
};

void Reset_Handler(void)
{
    uint32_t *src = _sidata;
    uint32_t *dst;

    /* CPACR: full access to CP10/CP11 (the FPU), before any float code. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm volatile("dsb\n\tisb" ::: "memory");
    for (dst = _sdata; dst < _edata;)
        *dst++ = *src++;
    for (dst = _sbss; dst < _ebss;)
        *dst++ = 0;
    board_stack_paint();
    initialise_monitor_handles();
    exit(main());
}

void Default_Handler(void)
{
    board_semihost_write0("FAULT: unexpected exception\n");
    board_semihost_exit(99);
}

void HardFault_Handler(void)
{
    board_semihost_write0("FAULT: hard fault\n");
    board_semihost_exit(98);
}

/* The full newlib's __libc_init_array/__libc_fini_array call these (crti/crtn,
 * left out by -nostartfiles). */
void _init(void);
void _fini(void);
void _init(void)
{
}
void _fini(void)
{
}
