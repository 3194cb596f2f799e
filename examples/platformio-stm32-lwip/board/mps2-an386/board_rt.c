/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Board runtime for mps2-an386 under QEMU: semihosting calls that work
 * without newlib, and stack painting (high-water mark of the main stack).
 */
#include "board_rt.h"

#include <stdint.h>

extern uint32_t _sstack[], _estack[];

#define BOARD_STACK_PAINT 0xC5C5C5C5u

/* Semihosting: r0 = operation, r1 = argument, bkpt 0xAB. */
static uint32_t semihost_call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm("r0") = op;
    register const void *r1 __asm("r1") = arg;
    __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void board_semihost_write0(const char *s)
{
    (void)semihost_call(0x04u /* SYS_WRITE0 */, s);
}

void board_semihost_exit(int code)
{
    /* SYS_EXIT_EXTENDED: ADP_Stopped_ApplicationExit with the status. */
    uint32_t block[2] = {0x20026u, (uint32_t)code};
    (void)semihost_call(0x20u, block);
    for (;;) {
    }
}

int board_semihost_cmdline(char *buf, size_t len)
{
    struct {
        char *p;
        uint32_t len;
    } arg = {buf, (uint32_t)(len - 1)};

    if (len < 2 || semihost_call(0x15u /* SYS_GET_CMDLINE */, &arg) != 0)
        return -1;
    buf[arg.len < len ? arg.len : len - 1] = '\0';
    return 0;
}

uint32_t board_elapsed_ms(void)
{
    /* SYS_CLOCK: centiseconds since the program started (host time). */
    return semihost_call(0x10u, 0) * 10u;
}

/* Fills the stack below the current stack pointer (minus a margin for this
 * function's own frame) with a pattern. Called once, first thing at reset. */
__attribute__((noinline)) void board_stack_paint(void)
{
    volatile uint32_t *p = _sstack;
    uint32_t sp;

    __asm volatile("mov %0, sp" : "=r"(sp));
    while ((uintptr_t)p < sp - 64u)
        *p++ = BOARD_STACK_PAINT;
}

size_t board_stack_size(void)
{
    return (size_t)((uintptr_t)_estack - (uintptr_t)_sstack);
}

size_t board_stack_high_water(void)
{
    const uint32_t *p = _sstack;

    while (p < _estack && *p == BOARD_STACK_PAINT)
        p++;
    return (size_t)((uintptr_t)_estack - (uintptr_t)p);
}

uint32_t board_stack_sp(void)
{
    uint32_t sp;

    __asm volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

size_t board_stack_depth(void)
{
    return (size_t)((uintptr_t)_estack - board_stack_sp());
}

void board_stack_repaint(void)
{
    volatile uint32_t *p = _sstack;
    uint32_t sp = board_stack_sp();

    while ((uintptr_t)p < sp - 64u)
        *p++ = BOARD_STACK_PAINT;
}

/* ---- stack probe (make firmware with FW_STACKPROBE=1) -------------------------
 * Code compiled with -finstrument-functions calls these on every function
 * entry and exit, after its prologue: the stack pointer seen there includes
 * the instrumented function's frame. The probe keeps the lowest one. */
static uint32_t probe_start_sp, probe_min_sp;
static void *probe_min_fn;
static int probe_armed;

__attribute__((no_instrument_function)) void __cyg_profile_func_enter(void *fn, void *site);
__attribute__((no_instrument_function)) void __cyg_profile_func_exit(void *fn, void *site);

void __cyg_profile_func_enter(void *fn, void *site)
{
    uint32_t sp;

    (void)fn;
    (void)site;
    if (!probe_armed)
        return;
    __asm volatile("mov %0, sp" : "=r"(sp));
    if (sp < probe_min_sp) {
        probe_min_sp = sp;
        probe_min_fn = fn;
    }
}

void __cyg_profile_func_exit(void *fn, void *site)
{
    (void)fn;
    (void)site;
}

void board_probe_start(void)
{
    probe_start_sp = board_stack_sp();
    probe_min_sp = probe_start_sp;
    probe_armed = 1;
}

size_t board_probe_stop(void **deepest_fn)
{
    probe_armed = 0;
    if (deepest_fn != NULL)
        *deepest_fn = probe_min_fn;
    return (size_t)(probe_start_sp - probe_min_sp);
}
