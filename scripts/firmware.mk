# SPDX-License-Identifier: Apache-2.0
#
# The example firmware (examples/platformio-stm32-lwip) cross-built with
# arm-none-eabi-gcc for a Cortex-M4F: -Os, newlib-nano, --gc-sections, no
# warnings. Run through `make firmware` (scripts/firmware.sh fetches lwIP and
# Mbed TLS and passes LWIP= and MBEDTLS_SRC=); by hand:
#
#   make -f scripts/firmware.mk LWIP=<lwIP source> MBEDTLS_SRC=<Mbed TLS source> [FW_BOARD=mps2-an386]
#   make -f scripts/firmware.mk ... FW_BOARD=nucleo_f429zi STM32_DIR=<STM32F4 HAL + CMSIS>
#
# Four archives, so the linker map splits the image by origin:
#   libtinyipsec.a  what library.json selects (src/, port/lwip/) with its
#                   build flags (scripts/validate-library-json.py --firmware
#                   checks it)
#   libmbedcrypto.a Mbed TLS library/*.c, the example's mbedtls_app_config.h
#   liblwip.a       lwIP core, IPv4 and Ethernet
#   the example's src/app_*.c and the board's files (board/<FW_BOARD>/*.c)
# Output: build/firmware/<board>/firmware.elf, firmware.map, firmware.bin.

FW_BOARD ?= mps2-an386
EX := examples/platformio-stm32-lwip
BOARD_DIR := $(EX)/board/$(FW_BOARD)
# FW_VARIANT names a build with extra flags for tinyipsec (TIP_EXTRA) and
# the application (APP_EXTRA) in its own directory, e.g. the stack probe.
FW_VARIANT ?=
TIP_EXTRA ?=
APP_EXTRA ?=
OUT := build/firmware/$(FW_BOARD)$(if $(FW_VARIANT),-$(FW_VARIANT))
CROSS ?= arm-none-eabi-
FW_CC := $(CROSS)gcc
FW_AR := $(CROSS)ar
FW_OBJCOPY := $(CROSS)objcopy

ifeq ($(strip $(LWIP)),)
$(error LWIP= (lwIP source tree) is required; use make firmware)
endif
ifeq ($(strip $(MBEDTLS_SRC)),)
$(error MBEDTLS_SRC= (Mbed TLS source tree) is required; use make firmware)
endif

# Cortex-M4F, Thumb-2, single-precision FPU, hard-float ABI.
FW_ARCH := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
FW_COMMON := $(FW_ARCH) -Os -ffunction-sections -fdata-sections --specs=nano.specs -std=c99 \
    -Wall -Wextra -Werror
# The configuration headers every part sees (lwipopts.h, tip_user_config.h,
# mbedtls_app_config.h: the example's include/ directory).
FW_DEFS := -DTIP_USER_CONFIG_FILE='"tip_user_config.h"' -DMBEDTLS_CONFIG_FILE='"mbedtls_app_config.h"'
FW_INC := -I$(EX)/include -Iinclude -I$(LWIP)/src/include -I$(MBEDTLS_SRC)/include
# With the lwIP port (port/lwip): its headers for lwIP (the input hook) and
# the application, and the application's IPsec tunnel (src/app_ike.c).
FW_PORT := $(if $(wildcard port/lwip/*.c),1,)
ifneq ($(FW_PORT),)
FW_INC += -Iport/lwip
FW_DEFS += -DAPP_WITH_IKE=1
endif

# ---- tinyipsec: the library.json selection --------------------------------------
TIP_LIB_SRCS := $(sort $(wildcard src/*.c src/conf/*.c src/ike/*.c port/lwip/*.c))
# library.json's build.flags (checked: validate-library-json.py --firmware)
TIP_LIB_FLAGS := -Isrc
# the project's own warning policy on top
TIP_WARN := -Wundef
LWIP_SRCS := $(sort $(wildcard $(LWIP)/src/core/*.c $(LWIP)/src/core/ipv4/*.c)) $(LWIP)/src/netif/ethernet.c
MBED_SRCS := $(sort $(wildcard $(MBEDTLS_SRC)/library/*.c))
APP_SRCS := $(sort $(filter-out $(if $(FW_PORT),,$(EX)/src/app_ike.c),$(wildcard $(EX)/src/app_*.c)))

ifeq ($(FW_BOARD),nucleo_f429zi)
# The PlatformIO project's board code (src/main.c, src/stm32/) against the
# STM32F4 HAL and CMSIS of STM32 (what PlatformIO's stm32cube framework
# supplies), from STM32_DIR (the directory holding stm32f4xx-hal-driver/,
# cmsis-device-f4/ and cmsis-core/). Compiled and linked, not run.
ifeq ($(strip $(STM32_DIR)),)
$(error FW_BOARD=nucleo_f429zi needs STM32_DIR=<STM32F4 HAL and CMSIS>; use make firmware-stm32)
endif
HAL := $(STM32_DIR)/stm32f4xx-hal-driver
BOARD_SRCS := $(EX)/src/main.c $(sort $(wildcard $(EX)/src/stm32/*.c))
VENDOR_SRCS := $(addprefix $(HAL)/Src/stm32f4xx_hal,.c _cortex.c _dma.c _eth.c _flash.c _flash_ex.c \
    _gpio.c _pwr.c _pwr_ex.c _rcc.c _rcc_ex.c _rng.c _uart.c) \
    $(STM32_DIR)/cmsis-device-f4/Source/Templates/system_stm32f4xx.c
VENDOR_ASM := $(STM32_DIR)/cmsis-device-f4/Source/Templates/gcc/startup_stm32f429xx.s
BOARD_FLAGS := -DSTM32F429xx -DUSE_HAL_DRIVER -I$(HAL)/Inc -I$(STM32_DIR)/cmsis-device-f4/Include \
    -I$(STM32_DIR)/cmsis-core/Core/Include -I$(EX)/src/stm32
LDSCRIPT := $(BOARD_DIR)/STM32F429ZITx.ld
LINK_SPECS := --specs=nosys.specs
else
BOARD_SRCS := $(sort $(wildcard $(BOARD_DIR)/*.c))
VENDOR_SRCS :=
VENDOR_ASM :=
BOARD_FLAGS := -I$(BOARD_DIR)
LDSCRIPT := $(BOARD_DIR)/$(FW_BOARD).ld
LINK_SPECS := --specs=rdimon.specs -nostartfiles
endif

obj = $(addprefix $(OUT)/obj/$(1)/,$(notdir $(2:.c=.o)))
TIP_OBJS := $(foreach f,$(TIP_LIB_SRCS),$(OUT)/obj/tip/$(subst /,_,$(f:.c=.o)))
LWIP_OBJS := $(call obj,lwip,$(LWIP_SRCS))
MBED_OBJS := $(call obj,mbedtls,$(MBED_SRCS))
APP_OBJS := $(call obj,app,$(APP_SRCS)) $(call obj,board,$(BOARD_SRCS)) \
    $(call obj,vendor,$(VENDOR_SRCS)) $(addprefix $(OUT)/obj/vendor/,$(notdir $(VENDOR_ASM:.s=.o)))

.PHONY: all selection
all: $(OUT)/firmware.elf $(OUT)/firmware.bin selection

# What the firmware took for the library (compared with library.json).
selection:
	@mkdir -p $(OUT)
	@printf '%s\n' $(TIP_LIB_SRCS) > $(OUT)/library-files.txt
	@printf '%s\n' $(TIP_LIB_FLAGS) > $(OUT)/library-flags.txt

# Rebuild everything when the flags change.
STAMP := $(OUT)/.flags
$(STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(FW_CC) $(FW_COMMON) $(FW_DEFS) $(FW_INC) $(BOARD_FLAGS) $(TIP_EXTRA) $(APP_EXTRA) $(LWIP) $(MBEDTLS_SRC)' | cmp -s - $@ 2>/dev/null || \
	    echo '$(FW_CC) $(FW_COMMON) $(FW_DEFS) $(FW_INC) $(BOARD_FLAGS) $(TIP_EXTRA) $(APP_EXTRA) $(LWIP) $(MBEDTLS_SRC)' > $@
.PHONY: FORCE

define tip_rule
$(OUT)/obj/tip/$(subst /,_,$(1:.c=.o)): $(1) $(STAMP)
	@mkdir -p $$(@D)
	$(FW_CC) $(FW_COMMON) $(TIP_WARN) $(TIP_LIB_FLAGS) $(TIP_EXTRA) $(FW_DEFS) $(FW_INC) -MMD -MP -c $$< -o $$@
endef
$(foreach f,$(TIP_LIB_SRCS),$(eval $(call tip_rule,$(f))))

$(OUT)/obj/lwip/%.o: $(LWIP)/src/core/%.c $(STAMP)
	@mkdir -p $(@D)
	$(FW_CC) $(FW_COMMON) $(FW_DEFS) $(FW_INC) -MMD -MP -c $< -o $@
$(OUT)/obj/lwip/%.o: $(LWIP)/src/core/ipv4/%.c $(STAMP)
	@mkdir -p $(@D)
	$(FW_CC) $(FW_COMMON) $(FW_DEFS) $(FW_INC) -MMD -MP -c $< -o $@
$(OUT)/obj/lwip/%.o: $(LWIP)/src/netif/%.c $(STAMP)
	@mkdir -p $(@D)
	$(FW_CC) $(FW_COMMON) $(FW_DEFS) $(FW_INC) -MMD -MP -c $< -o $@
$(OUT)/obj/mbedtls/%.o: $(MBEDTLS_SRC)/library/%.c $(STAMP)
	@mkdir -p $(@D)
	$(FW_CC) $(FW_COMMON) $(FW_DEFS) $(FW_INC) -I$(MBEDTLS_SRC)/library -MMD -MP -c $< -o $@
$(OUT)/obj/app/%.o: $(EX)/src/%.c $(STAMP)
	@mkdir -p $(@D)
	$(FW_CC) $(FW_COMMON) $(APP_EXTRA) $(FW_DEFS) $(FW_INC) -I$(EX)/src $(BOARD_FLAGS) -MMD -MP -c $< -o $@
# board and vendor files come from several directories: one rule each
define board_rule
$(OUT)/obj/$(2)/$(notdir $(1:.c=.o)): $(1) $(STAMP)
	@mkdir -p $$(@D)
	$(FW_CC) $(FW_COMMON) $(3) $(FW_DEFS) $(FW_INC) -I$(EX)/src $(BOARD_FLAGS) -MMD -MP -c $$< -o $$@
endef
$(foreach f,$(BOARD_SRCS),$(eval $(call board_rule,$(f),board,)))
# the HAL's own code: its warnings are ST's, not the example's
$(foreach f,$(VENDOR_SRCS),$(eval $(call board_rule,$(f),vendor,-Wno-unused-parameter -Wno-sign-compare)))
$(OUT)/obj/vendor/%.o: $(dir $(VENDOR_ASM))%.s $(STAMP)
	@mkdir -p $(@D)
	$(FW_CC) $(FW_ARCH) -c $< -o $@

$(OUT)/libtinyipsec.a: $(TIP_OBJS)
	@rm -f $@
	$(FW_AR) rcs $@ $^
$(OUT)/liblwip.a: $(LWIP_OBJS)
	@rm -f $@
	$(FW_AR) rcs $@ $^
$(OUT)/libmbedcrypto.a: $(MBED_OBJS)
	@rm -f $@
	$(FW_AR) rcs $@ $^

$(OUT)/firmware.elf: $(APP_OBJS) $(OUT)/libtinyipsec.a $(OUT)/liblwip.a $(OUT)/libmbedcrypto.a $(LDSCRIPT)
	$(FW_CC) $(FW_ARCH) --specs=nano.specs $(LINK_SPECS) -Wl,--gc-sections \
	    -Wl,--no-warn-rwx-segments -T$(LDSCRIPT) -Wl,-Map=$(OUT)/firmware.map -o $@ $(APP_OBJS) \
	    -Wl,--start-group $(OUT)/libtinyipsec.a $(OUT)/liblwip.a $(OUT)/libmbedcrypto.a -Wl,--end-group
	$(CROSS)size $@

$(OUT)/firmware.bin: $(OUT)/firmware.elf
	$(FW_OBJCOPY) -O binary $< $@

-include $(wildcard $(OUT)/obj/*/*.d)
