#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Validate library.json (PlatformIO manifest) offline.

usage: /usr/bin/python3 scripts/validate-library-json.py [SCHEMA] [LIBRARY_JSON]

PlatformIO cannot be installed here (toolchain.md 5), and its own
assets/schema/library.json is not a valid Draft 2020-12 schema and lets
misspelt keys through, so we check against scripts/library.strict.schema.json
(Draft 2020-12, additionalProperties: false everywhere), then a few facts the
schema cannot see: srcDir/includeDir exist, the listed headers exist, and the
export list names existing paths. Uses Debian's python3-jsonschema, which only
/usr/bin/python3 sees (the PATH python3 may be a pyenv shim).
"""
import json
import os
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

for msg in errors:
    print("ERROR", msg)
if errors:
    print("validate-library-json: %s: %d error(s)" % (doc_path, len(errors)))
    sys.exit(1)
print("validate-library-json: %s OK (%s, Draft 2020-12)" % (os.path.relpath(doc_path), os.path.basename(schema_path)))
