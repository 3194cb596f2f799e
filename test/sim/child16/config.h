/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The library and the tests of this directory are built with it
 * (test/CMakeLists.txt, "second test configuration"): the widest CHILD SA
 * table config.h allows (16 per IKE SA), with SAD and SPD room for all of
 * them, and the smallest IKE datagram buffer (512 bytes) under whole
 * messages of 1280, with room for eight proposals of each kind.
 */
#define TIP_IKE_CHILD_MAX 16
#define TIP_MAX_SA 40
#define TIP_MAX_POLICIES 40
#define TIP_SPI_HASH_SIZE 64
#define TIP_IKE_DGRAM_MAX 512
#define TIP_IKE_MAX_PROPOSALS 8
