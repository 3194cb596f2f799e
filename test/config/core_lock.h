/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * A configuration whose TIP_ASSERT_CORE_LOCKED hook reports to the test
 * (test_core_lock.c), the way an integrator's debug build would assert
 * that the calling thread holds the context. Everything else is default.
 */
struct tip_ctx;
void tip_test_core_locked(const struct tip_ctx *ctx);
#define TIP_ASSERT_CORE_LOCKED(ctx) tip_test_core_locked(ctx)
