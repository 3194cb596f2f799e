# SPDX-License-Identifier: Apache-2.0
#
# tinyipsec: top-level Makefile.
#
# Firmware integrators: the library is every C file listed in TIP_SRCS, built
# with include/ and src/ on the include path and Mbed TLS's headers. Nothing
# else: no generated files, no configure step. Optional modules are wrapped
# whole in #if TIP_CONF_* (see include/tinyipsec/config.h), so you always
# compile every file and choose features with TIP_USER_CONFIG_FILE.
#
#   make lib                 build/make/libtinyipsec.a with $(CC)/$(AR) only
#   make lib CC=arm-none-eabi-gcc AR=arm-none-eabi-ar MBEDTLS_INC=-I/path/to/mbedtls/include \
#            EXTRA_CFLAGS="-mcpu=cortex-m4 -mthumb"
#   make test                unit/vector/alloc/tshark tests against Mbed TLS 2.28 (system)
#   MBEDTLS=3.6 make test    the same against Mbed TLS 3.6.6 (built once, cached)
#   MBEDTLS=4.0 make test    the same against Mbed TLS 4.0.0 with the PSA backend
#                            (built once from ../shared/vendor, cached)
#   MBEDTLS=3.6 CRYPTO=psa make test   the PSA backend on Mbed TLS 3.6.6 (its own
#                            build: scripts/mbedtls36.sh --psa)
#   make lib EXTRA_CFLAGS=-DTIP_CONF_CRYPTO_PSA=1 MBEDTLS_INC=...   the PSA backend
#   make help                everything else

# This is the only source list; CMake (file(GLOB_RECURSE src/*.c)) and
# PlatformIO (library.json srcFilter) take the same files.
TIP_SRCS := $(wildcard src/*.c src/conf/*.c src/ike/*.c)

CC      ?= cc
AR      ?= ar
# Mbed TLS headers: empty = the system's (/usr/include); e.g. -I/opt/mbedtls/include
MBEDTLS_INC ?=
EXTRA_CFLAGS ?=
# -Wundef: an #if on an undefined TIP_* macro (a file without tinyipsec/config.h) is an error.
TIP_CFLAGS := -std=c99 -Wall -Wextra -Wundef -Werror -Os -Iinclude -Isrc $(MBEDTLS_INC) $(EXTRA_CFLAGS)

BUILD   := build/make
OBJDIR  := $(BUILD)/obj
LIB     := $(BUILD)/libtinyipsec.a
OBJS    := $(patsubst src/%.c,$(OBJDIR)/%.o,$(TIP_SRCS))
STAMP   := $(BUILD)/.cflags

# make test / bench
MBEDTLS ?= 2.28
# crypto backend of make test: mbedtls (classic; 2.28, 3.6) or psa (3.6, 4.0); 4.0 is psa only
CRYPTO  ?= $(if $(filter 4.0,$(MBEDTLS)),psa,mbedtls)
# lwIP of the host lwIP tests (test/lwip): 2.1 (2.1.3, bookworm) or 2.2 (2.2.1, trixie)
LWIP    ?= 2.1
LWIP_ARGS = -DTIP_LWIP_SERIES=$(LWIP) -DTIP_LWIP_DIR=$$(scripts/lwip-src.sh --check $(LWIP) 2>/dev/null)
JOBS    ?= 2
CMAKE   ?= cmake
CTEST   ?= ctest
# CMake's own (make-generated) build must not inherit this make's MAKEFLAGS/MAKELEVEL
# (it would print "Entering directory" for every target).
CLEANENV := env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL

.PHONY: all lib sources test cm4 size firmware firmware-stm32 size-firmware bench demo clean help FORCE
.DEFAULT_GOAL := help

all: lib

# ---- the library, with nothing but the compiler and ar -------------------------
# The source list, one file per line (README.md, docs/porting.md, library.json's
# srcFilter and CMake's glob are checked against it).
sources:
	@printf '%s\n' $(sort $(TIP_SRCS))

lib: $(LIB)
	@echo "built $(LIB) ($(words $(OBJS)) objects, CC=$(CC))"

$(LIB): $(OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(OBJDIR)/%.o: src/%.c $(STAMP)
	@mkdir -p $(@D)
	$(CC) $(TIP_CFLAGS) -MMD -MP -c $< -o $@

# Rebuild every object when the compiler or the flags change (make lib CC=clang
# after make lib CC=gcc must not reuse gcc's objects).
$(STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(TIP_CFLAGS)' | cmp -s - $@ 2>/dev/null || echo '$(CC) $(TIP_CFLAGS)' > $@

-include $(OBJS:.o=.d)

# ---- tests (CMake + CTest) -------------------------------------------------------
ifeq ($(MBEDTLS),3.6)
TEST_DIR := build/test-mbedtls36
DEPS_ARGS := --mbedtls36
MBEDTLS_SH := scripts/mbedtls36.sh
else ifeq ($(MBEDTLS),4.0)
TEST_DIR := build/test-mbedtls40
DEPS_ARGS := --mbedtls40
MBEDTLS_SH := scripts/mbedtls40.sh
else ifeq ($(MBEDTLS),2.28)
TEST_DIR := build/test-mbedtls228
DEPS_ARGS :=
MBEDTLS_SH :=
else
$(error MBEDTLS must be 2.28 (system package), 3.6 (built by scripts/mbedtls36.sh) or 4.0 (built by scripts/mbedtls40.sh), not '$(MBEDTLS)')
endif
ifeq ($(CRYPTO),psa)
ifeq ($(MBEDTLS),2.28)
$(error CRYPTO=psa needs MBEDTLS=3.6 or MBEDTLS=4.0)
endif
ifneq ($(MBEDTLS),4.0)
TEST_DIR := $(TEST_DIR)-psa
# the 3.6 variant built for the PSA backend (no heap call per packet)
MBEDTLS_SH := scripts/mbedtls36.sh --psa
endif
else ifeq ($(CRYPTO),mbedtls)
ifeq ($(MBEDTLS),4.0)
$(error Mbed TLS 4.0 has only the PSA Crypto API: CRYPTO=psa (the default for MBEDTLS=4.0))
endif
else
$(error CRYPTO must be mbedtls (classic backend) or psa (PSA Crypto backend), not '$(CRYPTO)')
endif

test:
	TIP_LWIP=$(LWIP) scripts/deps.sh $(DEPS_ARGS)
ifneq ($(MBEDTLS_SH),)
	root=$$($(MBEDTLS_SH) | tail -n1) && test -n "$$root" && \
	$(CMAKE) -S . -B $(TEST_DIR) -DTIP_MBEDTLS_ROOT="$$root" -DTIP_CRYPTO_BACKEND=$(CRYPTO) \
	    -DTIP_BUILD_TESTS=ON $(LWIP_ARGS)
else
	$(CMAKE) -S . -B $(TEST_DIR) -DTIP_MBEDTLS_ROOT= -DTIP_CRYPTO_BACKEND=$(CRYPTO) \
	    -DTIP_BUILD_TESTS=ON $(LWIP_ARGS)
endif
	$(CLEANENV) $(CMAKE) --build $(TEST_DIR) -j$(JOBS)
	cd $(TEST_DIR) && $(CTEST) --output-on-failure -j$(JOBS)

# ---- Cortex-M4 cross build: size of the archive and sizeof(tip_ctx_t) --------------
cm4:
	scripts/cm4-build.sh

# ---- footprint: linked Cortex-M4 images (docs/footprint.md) ---------------------------
size:
	scripts/size.sh $(SIZE_ARGS)

# ---- the example firmware (Cortex-M4F, QEMU mps2-an386) ----------------------------
# lwIP + Mbed TLS + tinyipsec (what library.json selects) + the example's
# application and board code: build/firmware/mps2-an386/firmware.elf.
firmware:
	scripts/firmware.sh

# The PlatformIO project's STM32 board code (Nucleo-F429ZI), compiled and
# linked against the STM32F4 HAL named by TIP_STM32_VENDOR (skipped without).
firmware-stm32:
	FW_BOARD=nucleo_f429zi scripts/firmware.sh

# The firmware's flash and RAM split into tinyipsec / Mbed TLS / lwIP / rest
# (from the linker map), with the stack and Mbed TLS arena peaks measured on
# the emulated target.
size-firmware: firmware
	scripts/cm4/firmware-size.sh

# ---- benchmarks ---------------------------------------------------------------------
# The same MBEDTLS= / CRYPTO= switches as make test: build/bench (2.28),
# build/bench-mbedtls36[-psa], build/bench-mbedtls40.
BENCH_DIR := $(if $(filter 2.28,$(MBEDTLS)),build/bench,$(patsubst build/test-%,build/bench-%,$(TEST_DIR)))
bench:
	scripts/deps.sh --minimal $(DEPS_ARGS)
	root=$$($(if $(MBEDTLS_SH),$(MBEDTLS_SH) | tail -n1,true)) && \
	$(CMAKE) -S . -B $(BENCH_DIR) -DCMAKE_BUILD_TYPE=Release -DTIP_MBEDTLS_ROOT="$$root" \
	    -DTIP_CRYPTO_BACKEND=$(CRYPTO) -DTIP_BUILD_TESTS=OFF -DTIP_BUILD_EXAMPLES=OFF \
	    -DTIP_BUILD_BENCH=ON
	$(CLEANENV) $(CMAKE) --build $(BENCH_DIR) -j$(JOBS)
	@set -e; n=0; \
	for b in $$(find $(BENCH_DIR)/bench -maxdepth 1 -type f -perm -u+x 2>/dev/null | sort); do \
	    echo "== $$b"; "$$b" $(BENCH_ARGS); n=$$((n + 1)); \
	done; \
	if [ $$n -eq 0 ]; then echo "make bench: no benchmark executables (bench/*_bench.c)" >&2; exit 1; fi

# ---- demo -------------------------------------------------------------------------------
# The main job: two gateways in one process on 127.0.0.1 negotiate an IKEv2
# tunnel (PSK, Curve25519, AES-GCM), pass pings through ESP-in-UDP, rekey the
# CHILD SA and the IKE SA, and delete the tunnel. No root needed.
DEMO_DIR := build/demo
demo:
	scripts/deps.sh --minimal
	$(CMAKE) -S . -B $(DEMO_DIR) -DCMAKE_BUILD_TYPE=Release -DTIP_MBEDTLS_ROOT= \
	    -DTIP_BUILD_TESTS=OFF -DTIP_BUILD_BENCH=OFF -DTIP_BUILD_EXAMPLES=ON
	$(CLEANENV) $(CMAKE) --build $(DEMO_DIR) -j$(JOBS) --target ike-demo
	$(DEMO_DIR)/examples/ike-demo 100

clean:
	rm -rf build

help:
	@echo "tinyipsec make targets:"
	@echo "  lib      build/make/libtinyipsec.a with \$$(CC)/\$$(AR) only"
	@echo "           (CC=, AR=, MBEDTLS_INC=-I..., EXTRA_CFLAGS= to cross-compile)"
	@echo "  sources  the library's source list (TIP_SRCS), one file per line"
	@echo "  test     deps + CMake + CTest against Mbed TLS 2.28 (build/test-mbedtls228)"
	@echo "           MBEDTLS=3.6 make test: against Mbed TLS 3.6.6 (build/test-mbedtls36)"
	@echo "           MBEDTLS=4.0 make test: Mbed TLS 4.0.0, PSA backend (build/test-mbedtls40)"
	@echo "           MBEDTLS=3.6 CRYPTO=psa make test: PSA backend on 3.6.6 (build/test-mbedtls36-psa)"
	@echo "           LWIP=2.2 make test: the host lwIP tests with lwIP 2.2.1 (default 2.1.3)"
	@echo "  cm4      Cortex-M4 build (build/cm4): size and sizeof(tip_ctx_t)"
	@echo "  size     Cortex-M4 footprint in linked images (docs/footprint.md); SIZE_ARGS=-v per object"
	@echo "  firmware the example firmware for QEMU mps2-an386 (build/firmware/mps2-an386)"
	@echo "  firmware-stm32 the STM32 (Nucleo-F429ZI) board code against TIP_STM32_VENDOR's HAL"
	@echo "  size-firmware  its flash/RAM by origin (linker map), stack and arena peaks"
	@echo "  bench    build and run the benchmarks (Release, build/bench); BENCH_ARGS=...;"
	@echo "           MBEDTLS=3.6 / MBEDTLS=4.0 / CRYPTO=psa as for make test (build/bench-*)"
	@echo "  demo     two gateways build an IKEv2 tunnel on 127.0.0.1 and use it (no root)"
	@echo "  clean    remove build/ (the Mbed TLS 3.6/4.0 builds in ~/.cache/tinyipsec stay)"
	@echo "  CI:      .ci/run"
