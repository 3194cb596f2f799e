# SPDX-License-Identifier: Apache-2.0
#
# CMake toolchain file: bare-metal Cortex-M4F (arm-none-eabi-gcc, Thumb-2,
# hard float). Used by test/target (the on-target tests). The tests link the
# full newlib, not newlib-nano: cmocka prints 64-bit values with %llx, which
# nano's printf does not know (a failing assert_int_equal would print
# "lx != lx"). The firmware (make firmware) links newlib-nano.
# The flags are in *_INIT: passing CMAKE_C_FLAGS on the command line would
# replace them (and silently build A32 code for the wrong CPU).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_AR arm-none-eabi-ar)
set(CMAKE_RANLIB arm-none-eabi-ranlib)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_FLAGS_INIT
    "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -ffunction-sections -fdata-sections")
set(CMAKE_C_FLAGS_MINSIZEREL_INIT "-Os")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
