/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * tinyipsec configuration of the OS-mode lwIP test: every API call asserts
 * that the caller holds lwIP's core lock (port/lwip/README.md, Threads).
 */
void tip_lwip_assert_core_locked(const void *ctx);
#define TIP_ASSERT_CORE_LOCKED(ctx) tip_lwip_assert_core_locked(ctx)
