/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * tip_crypto_zeroize() (declared in crypto.h): the one way the library
 * wipes key material, the same for every crypto backend and compiler.
 */
#include <string.h>

#include "crypto.h"

/*
 * memset() on a buffer that dies right after is a dead store: the optimiser
 * may remove it (and does, at -O2 and -Os), and C99 has no memset_s. The
 * call goes through a volatile function pointer instead: the compiler must
 * read the pointer at run time, cannot know which function it calls, and so
 * has to make the call with the buffer as it is. Standard C, no barrier
 * intrinsics, and still the C library's fast memset.
 */
static void *(*const volatile tip_wipe)(void *, int, size_t) = memset;

void tip_crypto_zeroize(void *p, size_t len)
{
    if (p != NULL && len != 0)
        (void)tip_wipe(p, 0, len);
}
