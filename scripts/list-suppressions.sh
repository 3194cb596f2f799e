#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# List every inline suppression of a static-analysis finding in the library,
# its ports and its public headers (src/, port/, include/): clang-tidy's
# NOLINT, NOLINTNEXTLINE and NOLINTBEGIN comments, cppcheck-suppress comments
# and compiler "#pragma ... diagnostic" lines, each with the comment above it
# that says why. Checks switched off for the whole tree are in .clang-tidy,
# each with its reason.
#
#   scripts/list-suppressions.sh           each suppression, its reason, the counts
#   scripts/list-suppressions.sh --count   only the counts
#
# Exits 1 if a suppression has no reason (no comment on or just above it).
set -euo pipefail

cd "$(dirname "$0")/.."
count_only=0
case "${1:-}" in
--count) count_only=1 ;;
"") ;;
*)
    echo "usage: $0 [--count]" >&2
    exit 2
    ;;
esac

# shellcheck disable=SC2016 # the awk program is in single quotes on purpose
find src port include -name '*.[ch]' | LC_ALL=C sort | xargs awk -v count_only="$count_only" '
    function text(s) {          # the words of a comment line
        sub(/^[ \t]*(\/\*+|\*+\/?|\/\/)[ \t]*/, "", s)
        sub(/[ \t]*\*\/[ \t]*\\?[ \t]*$/, "", s)
        return s
    }
    function marker(s) {
        if (match(s, /NOLINT(NEXTLINE|BEGIN)?(\([^)]*\))?/)) return substr(s, RSTART, RLENGTH)
        if (match(s, /cppcheck-suppress[ \t]+[A-Za-z0-9_]+/)) return substr(s, RSTART, RLENGTH)
        if (match(s, /#[ \t]*pragma[ \t]+(GCC|clang)[ \t]+diagnostic[ \t]+ignored.*/))
            return substr(s, RSTART, RLENGTH)
        return ""
    }
    FNR == 1 { block = ""; block_end = -10 }
    {
        m = marker($0)
        is_comment = $0 ~ /^[ \t]*(\/\*|\*|\/\/)/
        if (m == "" && is_comment) {
            block = (block_end == FNR - 1 ? block " " : "") text($0)
            block_end = FNR
            next
        }
        if (m == "" || $0 ~ /NOLINTEND/)
            next
        why = (FNR - block_end <= 2) ? block : ""
        # a reason on the line itself (after the code, before the marker)
        if (why == "" && match($0, /\/\*[^*]*\*\//)) {
            rest = substr($0, RSTART, RLENGTH)
            if (rest !~ /NOLINT|cppcheck-suppress/) why = text(rest)
        }
        if (m ~ /^NOLINT/) tool = "clang-tidy"
        else if (m ~ /^cppcheck/) tool = "cppcheck"
        else tool = "compiler"
        n[tool]++
        total++
        if (why == "") missing++
        if (!count_only) {
            printf "%s:%d: %s\n", FILENAME, FNR, m
            printf "    %s\n", why == "" ? "(NO REASON GIVEN)" : why
        }
        if (is_comment) { block = ""; block_end = FNR }
    }
    END {
        printf "%d inline suppressions: %d clang-tidy, %d cppcheck, %d compiler pragmas\n",
            total, n["clang-tidy"], n["cppcheck"], n["compiler"]
        if (missing) {
            printf "%d without a reason\n", missing
            exit 1
        }
    }'
