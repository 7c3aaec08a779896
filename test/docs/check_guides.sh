#!/usr/bin/env bash
# test/docs/check_guides.sh -- the code the driver guide shows is the code
# that is tested
#
# Why this exists: the section "## Per-request identity with drivers and
# ORMs" of docs/guides.md shows, per driver, where set_user() goes, as
# excerpts of the programs in examples/drivers/, and those programs are what
# test/suites/32-drivers.sh runs.  This script makes sure an excerpt cannot
# drift from its program.  Each excerpt is a fenced block right after a line
#     <!-- from examples/drivers/FILE -->
# (a path relative to the repository), and its lines must appear, in order
# and consecutively, in that file: verbatim, trailing white space aside.
# Every other fenced block of the section must be a ```text block (output),
# so that no code is shown unchecked.
#
# Usage: test/docs/check_guides.sh [DOCUMENT [SECTION]]
#   defaults: docs/guides.md, "Per-request identity with drivers and ORMs".
# Exit status 0 when every excerpt is in its file; 1 with a unified diff
# (the excerpt against the lines of the file that resemble it most) or the
# unmarked block when not; 2 when the document, the section, an excerpt or a
# file it names is missing.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DOC=${1:-$ROOT/docs/guides.md}
SECTION=${2:-Per-request identity with drivers and ORMs}
NAME=check_guides

if [ ! -r "$DOC" ]; then
	echo "$NAME: cannot read $DOC" >&2
	exit 2
fi
DOC_NAME=${DOC#"$ROOT"/}
WHAT="the section \"## $SECTION\" of $DOC_NAME"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Split the section: excerpt N goes to $TMP/N, and a line "N LINE PATH" to
# $TMP/index (LINE: the document's line of its first code line); a fenced
# block that is neither marked nor ```text is reported in $TMP/unmarked.
# Exit status 3 when the section is missing, 4 when a marker is not followed
# by a fenced block.
status=0
awk -v section="$SECTION" -v dir="$TMP" '
	/^## / { t = $0; sub(/[[:space:]]+$/, "", t); insec = (t == "## " section); if (insec) found = 1; next }
	!insec { next }
	inblock && /^```[[:space:]]*$/ { inblock = 0; close(out); next }
	inblock { if (out != "") print > out; next }
	/^<!--[[:space:]]*from[[:space:]]+[^[:space:]]+[[:space:]]*-->[[:space:]]*$/ {
		src = $0
		sub(/^<!--[[:space:]]*from[[:space:]]+/, "", src)
		sub(/[[:space:]]*-->[[:space:]]*$/, "", src)
		pending = src
		pending_line = NR
		next
	}
	/^```/ {
		inblock = 1
		if (pending != "") {
			n++
			out = dir "/" n
			printf "" > out
			print n, NR + 1, pending > (dir "/index")
			pending = ""
		} else {
			out = ""
			if ($0 !~ /^```text[[:space:]]*$/)
				print "line " NR ": " $0 > (dir "/unmarked")
		}
		next
	}
	pending != "" && !/^[[:space:]]*$/ { bad = pending_line; exit }
	END {
		if (bad) { print bad > (dir "/nofence"); exit 4 }
		if (pending != "") { print pending_line > (dir "/nofence"); exit 4 }
		if (!found) exit 3
	}
' "$DOC" || status=$?
case $status in
	0) ;;
	3)
		echo "$NAME: no section \"## $SECTION\" in $DOC_NAME" >&2
		exit 2
		;;
	4)
		echo "$NAME: $DOC_NAME line $(cat "$TMP/nofence"): a \"<!-- from ... -->\" line not followed by a fenced block" >&2
		exit 2
		;;
	*) exit 2 ;;
esac
if [ ! -s "$TMP/index" ]; then
	echo "$NAME: no excerpt (a fenced block after \"<!-- from FILE -->\") in $WHAT" >&2
	exit 2
fi

bad=0
if [ -s "$TMP/unmarked" ]; then
	echo "$NAME: code in $WHAT that names no file it is taken from (put \"<!-- from FILE -->\" before it):"
	sed 's/^/  /' "$TMP/unmarked"
	bad=1
fi

# find EXCERPT FILE -- "found START" when the excerpt is in the file (line
# numbers from 1), else "best START MATCHING": the window of the excerpt's
# length with the most equal lines
find_excerpt()
{
	awk '
		{ sub(/[[:space:]]+$/, "") }
		FNR == NR { ex[++m] = $0; next }
		{ f[++n] = $0 }
		END {
			best = 1; bestcount = -1
			for (i = 1; i <= (n >= m ? n - m + 1 : 1); i++) {
				c = 0
				for (j = 1; j <= m; j++)
					if (i + j - 1 <= n && f[i + j - 1] == ex[j]) c++
				if (c == m) { print "found", i; exit }
				if (c > bestcount) { best = i; bestcount = c }
			}
			print "best", best, bestcount
		}
	' "$1" "$2"
}

checked=0
files=()
while read -r n line src; do
	file=$ROOT/$src
	if [ ! -r "$file" ]; then
		echo "$NAME: $DOC_NAME line $line: the excerpt names $src, which does not exist" >&2
		exit 2
	fi
	if [ ! -s "$TMP/$n" ]; then
		echo "$NAME: $DOC_NAME line $line: the excerpt from $src is empty" >&2
		exit 2
	fi
	lines=$(wc -l <"$TMP/$n")
	read -r verdict start _ < <(find_excerpt "$TMP/$n" "$file")
	if [ "$verdict" = found ]; then
		checked=$((checked + 1))
		files+=("$src")
		continue
	fi
	end=$((start + lines - 1))
	sed -n "${start},${end}p" "$file" | sed -e 's/[[:space:]]*$//' >"$TMP/$n.file"
	sed -e 's/[[:space:]]*$//' "$TMP/$n" >"$TMP/$n.doc"
	echo "$NAME: the excerpt at $DOC_NAME line $line is not in $src:"
	(cd "$TMP" && diff -u --label "$DOC_NAME (line $line)" --label "$src (lines $start-$end)" "$n.doc" "$n.file") || true
	bad=1
done <"$TMP/index"

if [ "$bad" -ne 0 ]; then
	echo "$NAME: copy the code from the file into the document (the file is what test/suites/32-drivers.sh runs)."
	exit 1
fi
echo "$NAME: the $checked excerpts of $WHAT are verbatim in their files" \
	"($(printf '%s\n' "${files[@]}" | sort -u | sed 's|.*/||' | paste -sd, - | sed 's/,/, /g'))"
