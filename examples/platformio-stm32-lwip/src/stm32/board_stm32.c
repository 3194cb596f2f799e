/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Nucleo-F429ZI board layer: 168 MHz from the ST-LINK's 8 MHz clock (PLL,
 * 48 MHz for the RNG), USART3 on PD8/PD9 (the ST-LINK virtual COM port,
 * 115200 8N1) behind printf, the RNG peripheral behind board_random(), the
 * 1 ms HAL tick, and stack painting between the end of .bss and the stack.
 */
#include <stdint.h>
#include <string.h>

#include "app.h"
#include "board_stm32.h"
#include "stm32f4xx_hal.h"

static UART_HandleTypeDef huart;
static RNG_HandleTypeDef hrng;

extern uint32_t end[];      /* end of .bss (the linker scripts of ST and PlatformIO) */
extern uint32_t _estack[];  /* top of the stack */
#define STACK_PAINT 0xC5C5C5C5u

void SysTick_Handler(void)
{
    HAL_IncTick();
}

static int clock_init(void)
{
    RCC_OscInitTypeDef osc;
    RCC_ClkInitTypeDef clk;

    __HAL_RCC_PWR_CLK_ENABLE();
    __HAL_PWR_VOLTAGESCALING_CONFIG(PWR_REGULATOR_VOLTAGE_SCALE1);
    memset(&osc, 0, sizeof(osc));
    osc.OscillatorType = RCC_OSCILLATORTYPE_HSE;
    osc.HSEState = RCC_HSE_BYPASS; /* 8 MHz MCO of the ST-LINK */
    osc.PLL.PLLState = RCC_PLL_ON;
    osc.PLL.PLLSource = RCC_PLLSOURCE_HSE;
    osc.PLL.PLLM = 8;   /* 1 MHz */
    osc.PLL.PLLN = 336; /* 336 MHz VCO */
    osc.PLL.PLLP = RCC_PLLP_DIV2; /* 168 MHz */
    osc.PLL.PLLQ = 7;   /* 48 MHz: RNG */
    if (HAL_RCC_OscConfig(&osc) != HAL_OK)
        return -1;
    memset(&clk, 0, sizeof(clk));
    clk.ClockType = RCC_CLOCKTYPE_HCLK | RCC_CLOCKTYPE_SYSCLK | RCC_CLOCKTYPE_PCLK1 | RCC_CLOCKTYPE_PCLK2;
    clk.SYSCLKSource = RCC_SYSCLKSOURCE_PLLCLK;
    clk.AHBCLKDivider = RCC_SYSCLK_DIV1;
    clk.APB1CLKDivider = RCC_HCLK_DIV4;
    clk.APB2CLKDivider = RCC_HCLK_DIV2;
    return HAL_RCC_ClockConfig(&clk, FLASH_LATENCY_5) == HAL_OK ? 0 : -1;
}

static void uart_init(void)
{
    GPIO_InitTypeDef g;

    __HAL_RCC_GPIOD_CLK_ENABLE();
    __HAL_RCC_USART3_CLK_ENABLE();
    memset(&g, 0, sizeof(g));
    g.Pin = GPIO_PIN_8 | GPIO_PIN_9;
    g.Mode = GPIO_MODE_AF_PP;
    g.Pull = GPIO_PULLUP;
    g.Speed = GPIO_SPEED_FREQ_VERY_HIGH;
    g.Alternate = GPIO_AF7_USART3;
    HAL_GPIO_Init(GPIOD, &g);
    huart.Instance = USART3;
    huart.Init.BaudRate = 115200;
    huart.Init.WordLength = UART_WORDLENGTH_8B;
    huart.Init.StopBits = UART_STOPBITS_1;
    huart.Init.Parity = UART_PARITY_NONE;
    huart.Init.Mode = UART_MODE_TX_RX;
    huart.Init.HwFlowCtl = UART_HWCONTROL_NONE;
    huart.Init.OverSampling = UART_OVERSAMPLING_16;
    (void)HAL_UART_Init(&huart);
}

/* newlib's write(): stdout and stderr to the UART, "\n" as "\r\n". */
int _write(int fd, const char *buf, int len);
int _write(int fd, const char *buf, int len)
{
    int i;

    (void)fd;
    for (i = 0; i < len; i++) {
        if (buf[i] == '\n')
            (void)HAL_UART_Transmit(&huart, (uint8_t *)"\r", 1, 10);
        (void)HAL_UART_Transmit(&huart, (uint8_t *)&buf[i], 1, 10);
    }
    return len;
}

int board_init(void)
{
    board_stack_repaint();
    if (HAL_Init() != HAL_OK || clock_init() != 0)
        return -1;
    uart_init();
    __HAL_RCC_RNG_CLK_ENABLE();
    hrng.Instance = RNG;
    return HAL_RNG_Init(&hrng) == HAL_OK ? 0 : -1;
}

uint32_t board_now_ms(void)
{
    return HAL_GetTick();
}

uint32_t sys_now(void)
{
    return HAL_GetTick();
}

/* The RNG peripheral (a true random source, NIST SP 800-22 tested by ST). */
int board_random(uint8_t *out, size_t len)
{
    while (len > 0) {
        uint32_t r;
        size_t n = len < 4 ? len : 4;

        if (HAL_RNG_GenerateRandomNumber(&hrng, &r) != HAL_OK)
            return -1;
        memcpy(out, &r, n);
        out += n;
        len -= n;
    }
    return 0;
}

static uintptr_t stack_pointer(void)
{
    uintptr_t sp;

    __asm volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

size_t board_stack_depth(void)
{
    return (size_t)((uintptr_t)_estack - stack_pointer());
}

void board_stack_repaint(void)
{
    volatile uint32_t *p = end;
    uintptr_t sp = stack_pointer();

    while ((uintptr_t)p < sp - 64u)
        *p++ = STACK_PAINT;
}

size_t board_stack_high_water(void)
{
    const uint32_t *p = end;

    while (p < _estack && *p == STACK_PAINT)
        p++;
    return (size_t)((uintptr_t)_estack - (uintptr_t)p);
}
