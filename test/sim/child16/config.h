/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The widest CHILD SA table config.h allows (16 per IKE SA), with SAD and
 * SPD room for all of them: the library and the tests of this directory
 * are built with it (test/CMakeLists.txt, "wide CHILD SA table").
 */
#define TIP_IKE_CHILD_MAX 16
#define TIP_MAX_SA 40
#define TIP_MAX_POLICIES 40
#define TIP_SPI_HASH_SIZE 64
