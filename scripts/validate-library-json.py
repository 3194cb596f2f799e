#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Validate library.json (PlatformIO manifest) offline.

usage: /usr/bin/python3 scripts/validate-library-json.py [--firmware DIR | --schema-only] [SCHEMA] [LIBRARY_JSON]

--schema-only checks only the schema (for the manifests of other libraries,
e.g. the example's lib/*/library.json, whose sources are fetched later).

PlatformIO's own assets/schema/library.json is not a valid Draft 2020-12
schema and lets misspelt keys through, so this checks against
scripts/library.strict.schema.json (Draft 2020-12, additionalProperties:
false everywhere), then the facts the schema cannot see:

  - srcDir, includeDir and every "-I dir" in build.flags are directories;
  - every listed header exists under includeDir;
  - every export.include entry names an existing file or directory, every
    example file exists;
  - build.srcFilter selects exactly the library's sources: the files the
    Makefile's TIP_SRCS lists (`make -s sources`, the one source list) and
    the lwIP port, port/lwip/*.c;
  - with --firmware DIR: the firmware build (make firmware) compiled exactly
    that selection with exactly build.flags (DIR/library-files.txt and
    DIR/library-flags.txt, written by scripts/firmware.mk).

Uses Debian's python3-jsonschema, which only /usr/bin/python3 sees (the PATH
python3 may be a pyenv shim).
"""
import glob
import json
import os
import re
import subprocess
import sys

try:
    from jsonschema import Draft202012Validator
except ImportError:
    sys.exit("validate-library-json: python3-jsonschema missing (scripts/deps.sh --ci)")

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = sys.argv[1:]
firmware_dir = None
schema_only = False
if args[:1] == ["--schema-only"]:
    schema_only = True
    args = args[1:]
elif args[:1] == ["--firmware"]:
    if len(args) < 2:
        sys.exit("validate-library-json: --firmware needs a directory")
    firmware_dir = args[1]
    args = args[2:]
sys.argv = sys.argv[:1] + args
schema_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "scripts", "library.strict.schema.json")
doc_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "library.json")
base = os.path.dirname(os.path.abspath(doc_path))

with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
with open(doc_path, encoding="utf-8") as f:
    doc = json.load(f)  # a syntax error raises with line/column, which is the message we want

Draft202012Validator.check_schema(schema)
errors = []
for e in sorted(Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.path)):
    errors.append("%s: %s" % ("/".join(map(str, e.path)) or "<root>", e.message))

if not errors and not schema_only:
    build = doc.get("build", {})
    src_dir = build.get("srcDir", "src")
    inc_dir = build.get("includeDir", "include")
    for key, d in (("build/srcDir", src_dir), ("build/includeDir", inc_dir)):
        if not os.path.isdir(os.path.join(base, d)):
            errors.append("%s: directory %r does not exist" % (key, d))
    headers = doc.get("headers", [])
    for h in [headers] if isinstance(headers, str) else headers:
        if not os.path.isfile(os.path.join(base, inc_dir, h)):
            errors.append("headers: %r not found under %s/" % (h, inc_dir))
    flags = build.get("flags", [])
    flags = " ".join([flags] if isinstance(flags, str) else flags).split()
    for i, f in enumerate(flags):
        d = flags[i + 1] if f == "-I" and i + 1 < len(flags) else f[2:] if f.startswith("-I") else None
        if d and not os.path.isdir(os.path.join(base, d)):
            errors.append("build/flags: include directory %r does not exist" % d)
    for ex in doc.get("examples", []):
        if isinstance(ex, dict):
            for f in ex["files"]:
                if not os.path.isfile(os.path.join(base, ex["base"], f)):
                    errors.append("examples/%s: %r not found under %s" % (ex["name"], f, ex["base"]))
            # what the PlatformIO project builds: its src/ and include/
            ex_dir = os.path.join(base, ex["base"])
            for sub in ("src", "include"):
                for d, _, files in os.walk(os.path.join(ex_dir, sub)):
                    for f in files:
                        rel = os.path.relpath(os.path.join(d, f), ex_dir)
                        if rel not in ex["files"]:
                            errors.append("examples/%s: %s is not listed in files" % (ex["name"], rel))
    for p in doc.get("export", {}).get("include", []):
        if not glob.glob(os.path.join(base, p)):
            errors.append("export/include: %r does not exist" % p)

    # PlatformIO's filter: "+<glob>" adds and "-<glob>" removes the matches of
    # the glob under srcDir, a matched directory standing for all files in it.
    def matches(pattern):
        out = set()
        for m in glob.glob(os.path.join(base, src_dir, pattern)):
            if os.path.isdir(m):
                for d, _, files in os.walk(m):
                    out.update(os.path.join(d, f) for f in files)
            else:
                out.add(m)
        return out
    selected = set()
    filt = build.get("srcFilter", "+<*>")
    for tok in re.findall(r"([+-])<([^<>]+)>", " ".join([filt] if isinstance(filt, str) else filt)):
        selected = selected | matches(tok[1]) if tok[0] == "+" else selected - matches(tok[1])
    selected = {os.path.relpath(p, base) for p in selected if p.endswith(".c")}
    try:
        make = subprocess.run(["make", "--no-print-directory", "-s", "-C", base, "sources"],
                              check=True, capture_output=True, text=True)
        tip_srcs = set(make.stdout.split())
        tip_srcs |= {os.path.relpath(p, base) for p in glob.glob(os.path.join(base, "port", "lwip", "*.c"))}
    except (OSError, subprocess.CalledProcessError) as e:
        tip_srcs = None
        errors.append("cannot list the sources with `make -s sources`: %s" % e)
    if tip_srcs is not None:
        for f in sorted(tip_srcs - selected):
            errors.append("build/srcFilter: leaves out %s (in the Makefile's TIP_SRCS or port/lwip)" % f)
        for f in sorted(selected - tip_srcs):
            errors.append("build/srcFilter: selects %s (not in the Makefile's TIP_SRCS or port/lwip)" % f)

    if firmware_dir is not None:
        # "-I src" and "-Isrc" are the same flag
        want_flags = []
        for i, f in enumerate(flags):
            if f == "-I":
                continue
            want_flags.append("-I" + f if i > 0 and flags[i - 1] == "-I" else f)
        try:
            with open(os.path.join(firmware_dir, "library-files.txt"), encoding="utf-8") as f:
                fw_files = set(f.read().split())
            with open(os.path.join(firmware_dir, "library-flags.txt"), encoding="utf-8") as f:
                fw_flags = f.read().split()
        except OSError as e:
            errors.append("firmware: %s (run make firmware first)" % e)
        else:
            for f in sorted(selected - fw_files):
                errors.append("firmware: does not compile %s, which library.json selects" % f)
            for f in sorted(fw_files - selected):
                errors.append("firmware: compiles %s, which library.json does not select" % f)
            if fw_flags != want_flags:
                errors.append("firmware: library flags %s, library.json build.flags %s"
                              % (" ".join(fw_flags), " ".join(want_flags)))

for msg in errors:
    print("ERROR", msg)
if errors:
    print("validate-library-json: %s: %d error(s)" % (doc_path, len(errors)))
    sys.exit(1)
print("validate-library-json: %s OK (%s, Draft 2020-12%s)" % (
    os.path.relpath(doc_path), os.path.basename(schema_path),
    "; the firmware in %s builds the same files with the same flags" % firmware_dir if firmware_dir else ""))
