# SPDX-License-Identifier: Apache-2.0
#
# Find Mbed TLS's libmbedcrypto and define the imported target tip_mbedcrypto.
# Used by the build (CMakeLists.txt) and installed next to tinyipsecConfig.cmake,
# so find_package(tinyipsec) finds the same Mbed TLS again.
#
#   TIP_MBEDTLS_ROOT   an Mbed TLS install prefix (e.g. the 3.6.6 built by
#                      scripts/mbedtls36.sh). Uses ROOT/include and
#                      ROOT/lib/libmbedcrypto.a, plus libeverest.a/libp256m.a
#                      after it when present (3rdparty builds).
#   (empty)            the system package (Debian 12: 2.28), preferring the
#                      static libmbedcrypto.a: the zero-allocation tests wrap
#                      malloc with -Wl,--wrap, which only catches calls made
#                      from static archives.
#
# Results: target tip_mbedcrypto, TIP_MBEDTLS_VERSION (e.g. 3.6.6),
# TIP_MBEDTLS_VERSION_NUMBER (e.g. 0x03060600), TIP_MBEDTLS_INCLUDE_DIR,
# TIP_MBEDCRYPTO_LIBRARY.

include_guard(GLOBAL)

function(_tip_mbedtls_read_version incdir)
    set(_ver "")
    set(_num "")
    # 3.x keeps the numbers in build_info.h (version.h includes it); 2.x in version.h.
    foreach(_h build_info.h version.h)
        if(EXISTS "${incdir}/mbedtls/${_h}" AND _ver STREQUAL "")
            file(STRINGS "${incdir}/mbedtls/${_h}" _lines
                 REGEX "^#define[ \t]+MBEDTLS_VERSION_(NUMBER|STRING)[ \t]")
            foreach(_l IN LISTS _lines)
                if(_l MATCHES "MBEDTLS_VERSION_STRING[ \t]+\"([^\"]+)\"")
                    set(_ver "${CMAKE_MATCH_1}")
                elseif(_l MATCHES "MBEDTLS_VERSION_NUMBER[ \t]+(0x[0-9A-Fa-f]+)")
                    set(_num "${CMAKE_MATCH_1}")
                endif()
            endforeach()
        endif()
    endforeach()
    set(TIP_MBEDTLS_VERSION "${_ver}" PARENT_SCOPE)
    set(TIP_MBEDTLS_VERSION_NUMBER "${_num}" PARENT_SCOPE)
endfunction()

set(TIP_MBEDTLS_ROOT "${TIP_MBEDTLS_ROOT}" CACHE PATH
    "Mbed TLS install prefix (include/ + lib/libmbedcrypto.a); empty = system package")

if(NOT TARGET tip_mbedcrypto)
    set(_tip_extra_libs "")
    if(TIP_MBEDTLS_ROOT)
        get_filename_component(_root "${TIP_MBEDTLS_ROOT}" ABSOLUTE)
        set(TIP_MBEDTLS_INCLUDE_DIR "${_root}/include")
        set(TIP_MBEDCRYPTO_LIBRARY "${_root}/lib/libmbedcrypto.a")
        if(NOT EXISTS "${TIP_MBEDTLS_INCLUDE_DIR}/mbedtls/version.h"
           OR NOT EXISTS "${TIP_MBEDCRYPTO_LIBRARY}")
            message(FATAL_ERROR
                "tinyipsec: TIP_MBEDTLS_ROOT=${TIP_MBEDTLS_ROOT} has no include/mbedtls/version.h "
                "or lib/libmbedcrypto.a (build one with scripts/mbedtls36.sh)")
        endif()
        # 3rdparty objects (Everest X25519, p256-m) live in their own archives,
        # referenced by libmbedcrypto.a, so they go after it on the link line.
        foreach(_x everest p256m)
            if(EXISTS "${_root}/lib/lib${_x}.a")
                list(APPEND _tip_extra_libs "${_root}/lib/lib${_x}.a")
            endif()
        endforeach()
    else()
        find_path(TIP_MBEDTLS_INCLUDE_DIR mbedtls/version.h
                  DOC "directory holding mbedtls/version.h")
        find_library(TIP_MBEDCRYPTO_LIBRARY NAMES libmbedcrypto.a mbedcrypto
                     DOC "libmbedcrypto (static preferred)")
        if(NOT TIP_MBEDTLS_INCLUDE_DIR OR NOT TIP_MBEDCRYPTO_LIBRARY)
            message(FATAL_ERROR
                "tinyipsec: Mbed TLS not found (apt-get install libmbedtls-dev, run "
                "scripts/deps.sh, or pass -DTIP_MBEDTLS_ROOT=<prefix>)")
        endif()
        if(NOT TIP_MBEDCRYPTO_LIBRARY MATCHES "\\.a$")
            message(WARNING
                "tinyipsec: using shared ${TIP_MBEDCRYPTO_LIBRARY}; the allocation tests "
                "cannot see Mbed TLS's malloc calls through a shared library")
        endif()
    endif()

    _tip_mbedtls_read_version("${TIP_MBEDTLS_INCLUDE_DIR}")
    if(TIP_MBEDTLS_VERSION STREQUAL "")
        message(FATAL_ERROR "tinyipsec: cannot read MBEDTLS_VERSION_STRING under ${TIP_MBEDTLS_INCLUDE_DIR}")
    endif()
    if(TIP_MBEDTLS_VERSION VERSION_LESS 2.28)
        message(FATAL_ERROR "tinyipsec: Mbed TLS ${TIP_MBEDTLS_VERSION} is too old (need 2.28 or 3.6)")
    endif()

    if(TIP_MBEDCRYPTO_LIBRARY MATCHES "\\.a$")
        add_library(tip_mbedcrypto STATIC IMPORTED GLOBAL)
    else()
        add_library(tip_mbedcrypto UNKNOWN IMPORTED GLOBAL)
    endif()
    set_target_properties(tip_mbedcrypto PROPERTIES
        IMPORTED_LOCATION "${TIP_MBEDCRYPTO_LIBRARY}"
        IMPORTED_LINK_INTERFACE_LANGUAGES C
        INTERFACE_INCLUDE_DIRECTORIES "${TIP_MBEDTLS_INCLUDE_DIR}")
    if(_tip_extra_libs)
        set_target_properties(tip_mbedcrypto PROPERTIES
            INTERFACE_LINK_LIBRARIES "${_tip_extra_libs}")
    endif()

    set(_tip_extra_names "")
    foreach(_x IN LISTS _tip_extra_libs)
        get_filename_component(_n "${_x}" NAME)
        string(APPEND _tip_extra_names " + ${_n}")
    endforeach()
    if(NOT tinyipsec_FIND_QUIETLY)
        message(STATUS "tinyipsec: Mbed TLS ${TIP_MBEDTLS_VERSION} (${TIP_MBEDCRYPTO_LIBRARY}${_tip_extra_names}; headers ${TIP_MBEDTLS_INCLUDE_DIR})")
    endif()
endif()
