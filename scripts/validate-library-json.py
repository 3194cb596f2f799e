#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Validate library.json (PlatformIO manifest) offline.

usage: /usr/bin/python3 scripts/validate-library-json.py [SCHEMA] [LIBRARY_JSON]

PlatformIO's own assets/schema/library.json is not a valid Draft 2020-12
schema and lets misspelt keys through, so this checks against
scripts/library.strict.schema.json (Draft 2020-12, additionalProperties:
false everywhere), then the facts the schema cannot see:

  - srcDir, includeDir and every "-I dir" in build.flags are directories;
  - every listed header exists under includeDir;
  - every export.include entry names an existing file or directory;
  - build.srcFilter selects exactly the library's sources: the files the
    Makefile's TIP_SRCS lists (`make -s sources`, the one source list).

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

if not errors:
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
    except (OSError, subprocess.CalledProcessError) as e:
        tip_srcs = None
        errors.append("cannot list the sources with `make -s sources`: %s" % e)
    if tip_srcs is not None:
        for f in sorted(tip_srcs - selected):
            errors.append("build/srcFilter: leaves out %s (in the Makefile's TIP_SRCS)" % f)
        for f in sorted(selected - tip_srcs):
            errors.append("build/srcFilter: selects %s (not in the Makefile's TIP_SRCS)" % f)

for msg in errors:
    print("ERROR", msg)
if errors:
    print("validate-library-json: %s: %d error(s)" % (doc_path, len(errors)))
    sys.exit(1)
print("validate-library-json: %s OK (%s, Draft 2020-12)" % (os.path.relpath(doc_path), os.path.basename(schema_path)))
