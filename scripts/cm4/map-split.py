#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Split a GNU ld map of the example firmware by origin.

usage: scripts/cm4/map-split.py <firmware.map> [--markdown]

Every input section placed in the image is attributed to the archive or
object it came from: libtinyipsec.a, libmbedcrypto.a, liblwip.a, the
example's measurement harness (app_measure.o), the rest of the application
and board code, and the C library / libgcc. flash = text + rodata (+ the
initial values of .data), RAM = data + bss. The stack is a separate region
of the linker script (not in .bss) and is not counted here.
"""
import re
import sys

GROUPS = [
    ("tinyipsec", lambda f: "libtinyipsec.a(" in f),
    ("Mbed TLS", lambda f: "libmbedcrypto.a(" in f),
    ("lwIP", lambda f: "liblwip.a(" in f),
    ("measurement harness", lambda f: f.endswith("app_measure.o")),
    ("application + board", lambda f: "/obj/app/" in f or "/obj/board/" in f),
    ("C library, libgcc", lambda f: True),
]
FLASH_SECTIONS = (".isr_vector", ".text", ".ARM.extab", ".ARM.exidx", ".preinit_array",
                  ".init_array", ".fini_array")


def group_of(f):
    for name, test in GROUPS:
        if test(f):
            return name
    return "C library, libgcc"


def parse(path):
    sizes = {g: {"text": 0, "data": 0, "bss": 0} for g, _ in GROUPS}
    symbols = []
    out_sec = None
    pending = None  # an input section whose name was on its own line
    in_map = False
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("Linker script and memory map"):
                in_map = True
                continue
            if not in_map:
                continue
            m = re.match(r"^(\.[\w.]+)", line)
            if m:
                out_sec = m.group(1)
                pending = None
                continue
            if out_sec is None:
                continue
            kind = ("text" if out_sec in FLASH_SECTIONS else "data" if out_sec == ".data"
                    else "bss" if out_sec == ".bss" else None)
            if kind is None:
                continue
            m = re.match(r"^ (\S+)\s*$", line)
            if m and (m.group(1).startswith(".") or m.group(1) == "COMMON"):
                pending = m.group(1)
                continue
            m = re.match(r"^ (\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
            if m:
                name = m.group(1) or pending
                pending = None
                if name is None or not (name.startswith(".") or name in ("COMMON", "*fill*")):
                    continue
                size = int(m.group(3), 16)
                if size == 0:
                    continue
                src = m.group(4).strip()
                sizes[group_of(src)][kind] += size
                if kind == "bss" and size >= 1024:
                    symbols.append((size, name, src))
                continue
            m = re.match(r"^ \*fill\*\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)", line)
            if m:
                sizes["C library, libgcc"][kind] += int(m.group(2), 16)
    return sizes, sorted(symbols, reverse=True)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sizes, big = parse(sys.argv[1])
    md = "--markdown" in sys.argv[2:]
    rows = []
    tot = {"flash": 0, "ram": 0}
    for g, _ in GROUPS:
        s = sizes[g]
        flash = s["text"] + s["data"]
        ram = s["data"] + s["bss"]
        tot["flash"] += flash
        tot["ram"] += ram
        rows.append((g, s["text"], s["data"], s["bss"], flash, ram))
    if md:
        print("| part | text + rodata | data | bss | flash | RAM |")
        print("|---|---:|---:|---:|---:|---:|")
        for r in rows:
            print("| %s | %d | %d | %d | %d | %d |" % r)
        print("| **total** | | | | **%d** | **%d** |" % (tot["flash"], tot["ram"]))
    else:
        print("%-22s %10s %6s %8s %8s %8s" % ("part", "text+ro", "data", "bss", "flash", "RAM"))
        for r in rows:
            print("%-22s %10d %6d %8d %8d %8d" % r)
        print("%-22s %10s %6s %8s %8d %8d" % ("total", "", "", "", tot["flash"], tot["ram"]))
        print("largest .bss input sections:")
        for size, name, src in big[:8]:
            print("  %7d  %s  (%s)" % (size, name, src.split("/")[-1]))


main()
