# SPDX-License-Identifier: Apache-2.0
#
# Reads a GNU ld map file (-Wl,-Map) of a linked image and prints, for every
# input file that contributed to it, the bytes it kept after --gc-sections:
#
#   <group> <object> <text> <rodata> <data> <bss>
#
# group: tinyipsec (libtinyipsec.a), mbedtls (libmbedcrypto.a and libmbedx509.a, or
# libtfpsacrypto.a of TF-PSA-Crypto / Mbed TLS 4), or rest
# (startup, the application, newlib, libgcc). Only the memory map is read,
# so discarded sections do not count. Section kinds come from the input
# section names (-ffunction-sections -fdata-sections): .text*, .rodata*,
# .data*, .bss* / COMMON; .ARM.exidx / .ARM.extab count as rodata.
function hex(s,   i, v) {
    v = 0
    s = tolower(s)
    sub(/^0x/, "", s)
    for (i = 1; i <= length(s); i++)
        v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
    return v
}
function owner(f) {
    if (f ~ /libtinyipsec\.a\(/) return "tinyipsec"
    if (f ~ /lib(mbedcrypto|mbedx509|tfpsacrypto)\.a\(/) return "mbedtls"
    return "rest"
}
function objname(f,   o) {
    o = f
    if (match(f, /\(.*\)$/)) o = substr(f, RSTART + 1, RLENGTH - 2)
    sub(/.*\//, "", o)
    return o
}
function kind(sec) {
    if (sec ~ /^\.text/) return "text"
    if (sec ~ /^\.rodata/ || sec ~ /^\.ARM\.ex/) return "rodata"
    if (sec ~ /^\.data/) return "data"
    if (sec ~ /^\.bss/ || sec == "COMMON") return "bss"
    return ""
}
function add(sec, sz, f,   k, key) {
    k = kind(sec)
    if (k == "" || f == "") return
    key = owner(f) SUBSEP objname(f)
    keys[key] = 1
    n[key, k] += hex(sz)
}
/^Linker script and memory map/ { inmap = 1; next }
!inmap { next }
# " .text.foo 0x0800 0x40 lib.a(obj.o)" or " COMMON 0x.. 0x.. file"
/^ [.A-Z]/ && NF >= 4 && $2 ~ /^0x/ && $3 ~ /^0x/ {
    add($1, $3, $4); pending = ""; next
}
# a long section name alone on its line; address, size and file follow
/^ [.A-Z]/ && NF == 1 { pending = $1; next }
pending != "" && /^ +0x/ && NF >= 3 && $2 ~ /^0x/ {
    add(pending, $2, $3); pending = ""; next
}
{ pending = "" }
END {
    for (key in keys) {
        split(key, p, SUBSEP)
        printf "%s %s %d %d %d %d\n", p[1], p[2], n[key, "text"], n[key, "rodata"], \
            n[key, "data"], n[key, "bss"]
    }
}
