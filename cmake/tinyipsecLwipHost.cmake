# SPDX-License-Identifier: Apache-2.0
#
# A host lwIP tree for port/lwip (Linux only; included by the top-level
# CMakeLists.txt):
#
#   TIP_LWIP_DIR     the unpacked lwIP source tree; empty: the tree cached
#                    by scripts/lwip-src.sh for TIP_LWIP_SERIES (2.1 or 2.2)
#
# When a tree is found: TIP_LWIP_HOST_DIR / TIP_LWIP_HOST_PORT (its Unix
# port) / TIP_LWIP_HOST_VERSION are set, tl_lwip_variant() builds lwIP and
# the port for the tests (test/lwip), and tinyipsec_lwip_check compiles
# port/lwip against test/lwip/os/lwipopts.h (dual stack, tcpip_thread), so
# that the static analysis stages see the port's sources.
set(TIP_LWIP_SERIES "2.1" CACHE STRING "lwIP series for the host lwIP tests (2.1 or 2.2)")
set(TIP_LWIP_DIR "" CACHE PATH "Unpacked lwIP source tree (empty: scripts/lwip-src.sh's cache)")

set(TIP_LWIP_HOST_DIR "${TIP_LWIP_DIR}")
if(NOT TIP_LWIP_HOST_DIR)
    execute_process(COMMAND bash "${PROJECT_SOURCE_DIR}/scripts/lwip-src.sh" --check
                            ${TIP_LWIP_SERIES}
                    OUTPUT_VARIABLE TIP_LWIP_HOST_DIR OUTPUT_STRIP_TRAILING_WHITESPACE
                    ERROR_QUIET RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
        set(TIP_LWIP_HOST_DIR "")
    endif()
endif()

# The Unix port moved: port/ in Debian's 2.1.3 tree, contrib/ports/unix/port/ in 2.2.
set(TIP_LWIP_HOST_PORT "")
foreach(_d "${TIP_LWIP_HOST_DIR}/contrib/ports/unix/port" "${TIP_LWIP_HOST_DIR}/port")
    if(TIP_LWIP_HOST_DIR AND EXISTS "${_d}/sys_arch.c" AND EXISTS "${_d}/include/arch/cc.h")
        set(TIP_LWIP_HOST_PORT "${_d}")
        break()
    endif()
endforeach()

if(NOT TIP_LWIP_HOST_PORT OR NOT EXISTS "${TIP_LWIP_HOST_DIR}/src/core/init.c")
    set(TIP_LWIP_HOST_DIR "")
    return()
endif()
file(STRINGS "${TIP_LWIP_HOST_DIR}/src/include/lwip/init.h" _v
     REGEX "define LWIP_VERSION_(MAJOR|MINOR|REVISION) ")
string(REGEX REPLACE ".*MAJOR +([0-9]+).*MINOR +([0-9]+).*REVISION +([0-9]+).*" "\\1.\\2.\\3"
       TIP_LWIP_HOST_VERSION "${_v}")
message(STATUS "tinyipsec: lwIP ${TIP_LWIP_HOST_VERSION} for port/lwip on the host: "
               "${TIP_LWIP_HOST_DIR}")

file(GLOB TIP_LWIP_CORE_SRCS CONFIGURE_DEPENDS "${TIP_LWIP_HOST_DIR}/src/core/*.c"
     "${TIP_LWIP_HOST_DIR}/src/core/ipv4/*.c" "${TIP_LWIP_HOST_DIR}/src/core/ipv6/*.c")
file(GLOB TIP_LWIP_API_SRCS CONFIGURE_DEPENDS "${TIP_LWIP_HOST_DIR}/src/api/*.c")
file(GLOB TIP_LWIP_PORT_SRCS CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/port/lwip/*.c")
find_package(Threads REQUIRED)

# tl_lwip_variant(<name> <opts dir> <extra lwIP sources...>)
#   lwip_<name>: lwIP + the Unix port's sys_arch.c with <opts dir>/lwipopts.h
#   tinyipsec_lwip_<name>: port/lwip built against it (links tinyipsec, or
#   the library given by TL_TIP_LIB)
function(tl_lwip_variant name opts)
    if(NOT TL_TIP_LIB)
        set(TL_TIP_LIB tinyipsec)
    endif()
    add_library(lwip_${name} STATIC ${TIP_LWIP_CORE_SRCS} ${ARGN}
                "${TIP_LWIP_HOST_PORT}/sys_arch.c")
    # ours first: Debian's 2.1.3 port/include carries a lwipopts.h of its own
    target_include_directories(lwip_${name} SYSTEM BEFORE PUBLIC "${opts}"
        "${PROJECT_SOURCE_DIR}/port/lwip" "${TIP_LWIP_HOST_DIR}/src/include"
        "${TIP_LWIP_HOST_PORT}/include")
    target_compile_options(lwip_${name} PRIVATE -w) # third-party code: not our warnings
    # The Unix port's cc.h takes ssize_t from <sys/types.h> and needs
    # SSIZE_MAX from <limits.h> to know it: POSIX, which -std=c99 hides.
    target_compile_definitions(lwip_${name} PUBLIC _GNU_SOURCE)
    target_link_libraries(lwip_${name} PUBLIC Threads::Threads)
    add_library(tinyipsec_lwip_${name} STATIC ${TIP_LWIP_PORT_SRCS})
    target_link_libraries(tinyipsec_lwip_${name} PUBLIC lwip_${name} ${TL_TIP_LIB})
endfunction()

# Compile-only: port/lwip with the OS-mode test options (not linked).
add_library(tinyipsec_lwip_check OBJECT ${TIP_LWIP_PORT_SRCS})
target_include_directories(tinyipsec_lwip_check SYSTEM BEFORE PRIVATE
    "${PROJECT_SOURCE_DIR}/test/lwip/os" "${TIP_LWIP_HOST_DIR}/src/include"
    "${TIP_LWIP_HOST_PORT}/include")
target_include_directories(tinyipsec_lwip_check PRIVATE "${PROJECT_SOURCE_DIR}/port/lwip")
target_compile_definitions(tinyipsec_lwip_check PRIVATE _GNU_SOURCE)
target_link_libraries(tinyipsec_lwip_check PRIVATE tinyipsec)
