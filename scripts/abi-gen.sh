#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# abi-gen.sh OURS_HEADER OUT_DIR REF_HEADER...
#
# Writes two files for src/abi_check*.c:
#   OUT_DIR/abi_ours.h     our header with every iommu*/IOMMU*/MOCK_* name
#                          prefixed by IFD2ABI_ and its #includes dropped,
#                          so it can sit beside a reference header
#   OUT_DIR/abi_asserts.h  for every definition of each REF_HEADER,
#                          static_asserts that ours has it and that each
#                          struct's size and alignment, each member's offset
#                          and size, each enum constant and each #define
#                          (ioctl numbers included) are the same
# Naming OURS_HEADER as a REF_HEADER too checks the other direction: that
# the reference defines everything we do.
# The parser relies on kernel uapi layout, which both follow: one member or
# constant per line, "struct NAME {" / "enum ... {" openers and "};"
# closers at column 0.
set -e
ours=$1
out=$2
shift 2
mkdir -p "$out"
sed -E -e '/^#include/d' \
	-e 's/\<([iI][oO][mM][mM][uU][A-Za-z0-9_]*|MOCK_[A-Z0-9_]*)/IFD2ABI_\1/g' \
	"$ours" >"$out/abi_ours.h.tmp"
mv "$out/abi_ours.h.tmp" "$out/abi_ours.h"

awk '
function cmp(kind, a, b, what) {
	printf "static_assert(%s(%s) == %s(%s), \"%s\");\n", kind, a, kind, b, what
}
# Constants are compared as numbers: their enum types differ by name.
function num(a) {
	cmp("(long long)", a, "IFD2ABI_" a, a)
}
function member(m) {
	cmp("offsetof", "struct " st ", " m, "struct IFD2ABI_" st ", " m, st "." m " offset")
	cmp("sizeof_field", "struct " st ", " m, "struct IFD2ABI_" st ", " m, st "." m " size")
}
BEGIN { depth = 0; mode = "" }
/^\/\*/, /\*\/$/ { next }
/^struct [a-z0-9_]+ \{/ {
	st = $2; mode = "struct"; depth = 1
	cmp("sizeof", "struct " st, "struct IFD2ABI_" st, st " size")
	cmp("__alignof__", "struct " st, "struct IFD2ABI_" st, st " alignment")
	next
}
/^enum[ a-z0-9_]*\{/ { mode = "enum"; next }
mode == "enum" && /^\};/ { mode = ""; next }
mode == "enum" && /^[ \t]+[A-Z][A-Z0-9_]*/ {
	c = $1; sub(/,$/, "", c)
	num(c)
	next
}
# A nested struct or union: a named one is a member of its parent; the
# members of an anonymous one belong to the parent.  pend[d] collects
# the members seen at depth d.
mode == "struct" && /^[ \t]+(union|struct)[ \t]*\{/ { depth++; pend[depth] = ""; next }
mode == "struct" && /^[ \t]+\}[ \t]*[a-z0-9_]*;/ {
	name = $0; gsub(/[ \t};]/, "", name)
	items = name != "" ? name : pend[depth]
	depth--
	if (depth == 1) { n = split(items, ms, " "); for (i = 1; i <= n; i++) member(ms[i]) }
	else pend[depth] = pend[depth] " " items
	next
}
mode == "struct" && /^\};/ { mode = ""; next }
mode == "struct" && /;/ {
	line = $0; sub(/;.*/, "", line); sub(/\[.*/, "", line)
	n = split(line, w, /[ \t*]+/); m = w[n]
	if (depth == 1) member(m); else pend[depth] = pend[depth] " " m
	next
}
/^#define [A-Z][A-Z0-9_]* / && $2 !~ /^_/ { num($2) }
' "$@" >"$out/abi_asserts.h.tmp"
mv "$out/abi_asserts.h.tmp" "$out/abi_asserts.h"
