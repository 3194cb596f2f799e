# SPDX-License-Identifier: Apache-2.0
#
# Find Mbed TLS's crypto library, define the imported target tip_mbedcrypto
# and choose the crypto backend. Used by the build (CMakeLists.txt) and
# installed next to tinyipsecConfig.cmake, so find_package(tinyipsec) finds
# the same Mbed TLS and backend again.
#
#   TIP_MBEDTLS_ROOT   an Mbed TLS install prefix (`cmake --install` of any
#                      supported version, e.g. the 3.6.6 of scripts/mbedtls36.sh
#                      or the 4.0.0 of scripts/mbedtls40.sh). Uses ROOT/include
#                      and ROOT/lib/libmbedcrypto.a (2.28, 3.6: plus
#                      libeverest.a/libp256m.a after it when present) or
#                      ROOT/lib/libtfpsacrypto.a (4.x: TF-PSA-Crypto).
#                      Or the top of an Mbed TLS 4 source tree that was built
#                      but not installed; then TIP_MBEDTLS_BUILD_DIR names its
#                      CMake build directory (libtfpsacrypto.a is found in it).
#   (empty)            the system package (Debian 12: 2.28), preferring the
#                      static libmbedcrypto.a: the zero-allocation tests wrap
#                      malloc with -Wl,--wrap, which only catches calls made
#                      from static archives.
#   TIP_CRYPTO_BACKEND mbedtls (the classic backend: 2.28, 3.6) or psa (the
#                      PSA Crypto backend: 3.6, 4.x); empty = psa for Mbed TLS
#                      4 (the only choice there), mbedtls otherwise. Sets
#                      TIP_CONF_CRYPTO_PSA for everything linking tip_mbedcrypto.
#
# Results: target tip_mbedcrypto, TIP_MBEDTLS_VERSION (e.g. 3.6.6),
# TIP_MBEDTLS_VERSION_NUMBER (e.g. 0x03060600), TIP_MBEDTLS_INCLUDE_DIR (the
# first of TIP_MBEDTLS_INCLUDE_DIRS), TIP_MBEDCRYPTO_LIBRARY,
# TIP_CRYPTO_BACKEND_USED (mbedtls or psa), TIP_CONF_CRYPTO_PSA_VALUE (0 or 1).

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
    "Mbed TLS install prefix (include/ + lib/libmbedcrypto.a or libtfpsacrypto.a) or 4.x source tree; empty = system package")
set(TIP_MBEDTLS_BUILD_DIR "${TIP_MBEDTLS_BUILD_DIR}" CACHE PATH
    "CMake build directory of the Mbed TLS 4 source tree TIP_MBEDTLS_ROOT (not installed)")
set(TIP_CRYPTO_BACKEND "${TIP_CRYPTO_BACKEND}" CACHE STRING
    "Crypto backend: mbedtls (classic, 2.28/3.6) or psa (PSA Crypto, 3.6/4.x); empty = psa for Mbed TLS 4")
set_property(CACHE TIP_CRYPTO_BACKEND PROPERTY STRINGS "" mbedtls psa)

if(NOT TARGET tip_mbedcrypto)
    set(_tip_extra_libs "")
    set(_tip_inc_extra "")
    if(TIP_MBEDTLS_ROOT AND EXISTS "${TIP_MBEDTLS_ROOT}/tf-psa-crypto/include/psa/crypto.h")
        # An Mbed TLS 4 source tree, built in TIP_MBEDTLS_BUILD_DIR: its
        # headers are spread over the tree (Mbed TLS, TF-PSA-Crypto, and the
        # built-in drivers' private headers that the public ones include).
        get_filename_component(_root "${TIP_MBEDTLS_ROOT}" ABSOLUTE)
        set(TIP_MBEDTLS_INCLUDE_DIR "${_root}/include")
        set(_tip_inc_extra "${_root}/tf-psa-crypto/include"
                           "${_root}/tf-psa-crypto/drivers/builtin/include")
        set(TIP_MBEDCRYPTO_LIBRARY "")
        if(TIP_MBEDTLS_BUILD_DIR)
            file(GLOB_RECURSE TIP_MBEDCRYPTO_LIBRARY
                 "${TIP_MBEDTLS_BUILD_DIR}/tf-psa-crypto/*/libtfpsacrypto.a")
        endif()
        list(LENGTH TIP_MBEDCRYPTO_LIBRARY _n)
        if(NOT _n EQUAL 1)
            message(FATAL_ERROR
                "tinyipsec: TIP_MBEDTLS_ROOT=${TIP_MBEDTLS_ROOT} is an Mbed TLS 4 source tree: "
                "set TIP_MBEDTLS_BUILD_DIR to the build directory holding (one) "
                "libtfpsacrypto.a (found: '${TIP_MBEDCRYPTO_LIBRARY}'), or install it "
                "(cmake --install) and point TIP_MBEDTLS_ROOT at the prefix")
        endif()
    elseif(TIP_MBEDTLS_ROOT)
        get_filename_component(_root "${TIP_MBEDTLS_ROOT}" ABSOLUTE)
        set(TIP_MBEDTLS_INCLUDE_DIR "${_root}/include")
        # Mbed TLS 4 installs TF-PSA-Crypto as libtfpsacrypto.a (and the same
        # archive once more as libmbedcrypto.a, for old link lines).
        if(EXISTS "${_root}/include/tf-psa-crypto/build_info.h")
            set(TIP_MBEDCRYPTO_LIBRARY "${_root}/lib/libtfpsacrypto.a")
        else()
            set(TIP_MBEDCRYPTO_LIBRARY "${_root}/lib/libmbedcrypto.a")
        endif()
        if(NOT EXISTS "${TIP_MBEDTLS_INCLUDE_DIR}/mbedtls/version.h"
           OR NOT EXISTS "${TIP_MBEDCRYPTO_LIBRARY}")
            message(FATAL_ERROR
                "tinyipsec: TIP_MBEDTLS_ROOT=${TIP_MBEDTLS_ROOT} has no include/mbedtls/version.h "
                "or ${TIP_MBEDCRYPTO_LIBRARY} (build one with scripts/mbedtls36.sh or "
                "scripts/mbedtls40.sh)")
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
        message(FATAL_ERROR "tinyipsec: Mbed TLS ${TIP_MBEDTLS_VERSION} is too old (need 2.28, 3.6 or 4.x)")
    endif()

    set(TIP_MBEDTLS_INCLUDE_DIRS "${TIP_MBEDTLS_INCLUDE_DIR}" ${_tip_inc_extra})

    # Mbed TLS's X.509 library (certificate authentication, TIP_CONF_IKE_CERT)
    # sits next to the crypto library; it needs the crypto library after it
    # on the link line. A static link takes only what the build uses.
    get_filename_component(_tip_libdir "${TIP_MBEDCRYPTO_LIBRARY}" DIRECTORY)
    if(TIP_MBEDTLS_BUILD_DIR AND NOT EXISTS "${_tip_libdir}/libmbedx509.a")
        file(GLOB_RECURSE _tip_x509 "${TIP_MBEDTLS_BUILD_DIR}/library/libmbedx509.a")
    elseif(EXISTS "${_tip_libdir}/libmbedx509.a")
        set(_tip_x509 "${_tip_libdir}/libmbedx509.a")
    else()
        find_library(_tip_x509 NAMES libmbedx509.a mbedx509 HINTS "${_tip_libdir}")
    endif()
    if(_tip_x509)
        set(TIP_MBEDX509_LIBRARY "${_tip_x509}" CACHE INTERNAL "libmbedx509")
        set(_tip_extra_libs "${_tip_x509}" "${TIP_MBEDCRYPTO_LIBRARY}" ${_tip_extra_libs})
    endif()

    # The backend: Mbed TLS 4 has only PSA; 3.6 has both; the PSA backend is
    # not built for 2.28 (its PSA API is an early, partial one).
    set(TIP_CRYPTO_BACKEND_USED "${TIP_CRYPTO_BACKEND}")
    if(TIP_CRYPTO_BACKEND_USED STREQUAL "")
        if(TIP_MBEDTLS_VERSION VERSION_GREATER_EQUAL 4.0)
            set(TIP_CRYPTO_BACKEND_USED psa)
        else()
            set(TIP_CRYPTO_BACKEND_USED mbedtls)
        endif()
    endif()
    if(TIP_CRYPTO_BACKEND_USED STREQUAL "psa")
        if(TIP_MBEDTLS_VERSION VERSION_LESS 3.6)
            message(FATAL_ERROR "tinyipsec: the PSA backend needs Mbed TLS 3.6 or 4.x, not ${TIP_MBEDTLS_VERSION}")
        endif()
        set(TIP_CONF_CRYPTO_PSA_VALUE 1)
    elseif(TIP_CRYPTO_BACKEND_USED STREQUAL "mbedtls")
        if(TIP_MBEDTLS_VERSION VERSION_GREATER_EQUAL 4.0)
            message(FATAL_ERROR "tinyipsec: Mbed TLS ${TIP_MBEDTLS_VERSION} has only the PSA Crypto "
                                "API: use TIP_CRYPTO_BACKEND=psa (or leave it empty)")
        endif()
        set(TIP_CONF_CRYPTO_PSA_VALUE 0)
    else()
        message(FATAL_ERROR "tinyipsec: TIP_CRYPTO_BACKEND must be mbedtls, psa or empty, "
                            "not '${TIP_CRYPTO_BACKEND}'")
    endif()

    if(TIP_MBEDCRYPTO_LIBRARY MATCHES "\\.a$")
        add_library(tip_mbedcrypto STATIC IMPORTED GLOBAL)
    else()
        add_library(tip_mbedcrypto UNKNOWN IMPORTED GLOBAL)
    endif()
    set_target_properties(tip_mbedcrypto PROPERTIES
        IMPORTED_LOCATION "${TIP_MBEDCRYPTO_LIBRARY}"
        IMPORTED_LINK_INTERFACE_LANGUAGES C
        INTERFACE_INCLUDE_DIRECTORIES "${TIP_MBEDTLS_INCLUDE_DIRS}"
        INTERFACE_COMPILE_DEFINITIONS "TIP_CONF_CRYPTO_PSA=${TIP_CONF_CRYPTO_PSA_VALUE}")
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
        message(STATUS "tinyipsec: Mbed TLS ${TIP_MBEDTLS_VERSION} (${TIP_MBEDCRYPTO_LIBRARY}${_tip_extra_names}; headers ${TIP_MBEDTLS_INCLUDE_DIR}); crypto backend ${TIP_CRYPTO_BACKEND_USED}")
    endif()
endif()
