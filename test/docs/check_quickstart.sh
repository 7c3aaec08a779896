#!/usr/bin/env bash
# test/docs/check_quickstart.sh -- a document's SQL is a regression test
#
# Why this exists: the README's quick start and docs/tutorial.md are the first
# SQL a newcomer runs, so they must work.  Each is run under pg_regress
# (test/sql/docs_quickstart.sql, test/sql/docs_tutorial.sql, expected output
# in expected/), and this script makes sure a document and its test file
# cannot drift apart.  It takes every ```sql block of the document (of the
# README only those of the section "## Quick start", up to the next "## "
# heading), in order, and compares their lines with those of the test file.
# test/docs/check_tutorial.sh runs it for the tutorial.
#
# Trailing white space is ignored, and so are, on both sides, blank lines and
# lines that hold only a "--" comment.  Every other line must be identical
# and in the same order, except for what the test file adds for the test:
#   - psql meta-commands (lines starting with a backslash, such as
#     \set VERBOSITY terse or \o /dev/null) of the test file, unless the
#     document has the same line (the tutorial's \set acme '...' must match);
#   - test-only paragraphs: from a comment line starting with "-- test only"
#     up to the next blank line (setup and cleanup, checks of what the text
#     says without showing it);
#   - names: a comment line "-- doc name: app = regress_tut_app" in the test
#     file says that the word app of the document is regress_tut_app in the
#     test (roles of a regression test are named regress_*); the document's
#     lines (and the output it shows) are compared with every such word
#     replaced.
# The output the document shows must be what the test prints: every
# paragraph (lines up to a blank line, "-- " comment lines aside) of its
# ```text blocks must appear, as consecutive lines, in the test's expected
# output expected/NAME.out (trailing white space ignored).
#
# Usage: test/docs/check_quickstart.sh [DOCUMENT [SQL_FILE [SECTION]]]
#   defaults: README.md, test/sql/docs_quickstart.sql, "Quick start"; an empty
#   SECTION ('') takes the ```sql blocks of the whole document.
# Exit status 0 when they agree; 1 with a unified diff (document first) or
# the output shown but not printed when they do not; 2 when a file or the
# section is missing.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DOC=${1:-$ROOT/README.md}
SQL=${2:-$ROOT/test/sql/docs_quickstart.sql}
SECTION=${3-Quick start}
NAME=$(basename "$SQL" .sql)
EXPECTED=$ROOT/expected/$NAME.out

for f in "$DOC" "$SQL" "$EXPECTED"; do
	if [ ! -r "$f" ]; then
		echo "$NAME: cannot read $f" >&2
		exit 2
	fi
done

# how the messages name the document: relative to the repository if inside it
DOC_NAME=${DOC#"$ROOT"/}
SQL_NAME=${SQL#"$ROOT"/}
if [ -n "$SECTION" ]; then
	WHAT="the section \"## $SECTION\" of $DOC_NAME"
else
	WHAT=$DOC_NAME
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# blocks() LANG -- the ```LANG blocks of the section (or of the whole
# document), each followed by a blank line; exit status 3 when there is none
blocks()
{
	awk -v section="$SECTION" -v lang="$1" '
		section != "" && /^## / { t = $0; sub(/[[:space:]]+$/, "", t); insec = (t == "## " section); next }
		section != "" && !insec { next }
		$0 ~ ("^```" lang "[[:space:]]*$") { inblock = 1; found = 1; next }
		/^```/ && inblock { inblock = 0; print ""; next }
		inblock { print }
		END { if (!found) exit 3 }
	' "$DOC"
}

blocks sql >"$TMP/doc.raw" || {
	echo "$NAME: no \`\`\`sql block in $WHAT" >&2
	exit 2
}

# the names the test file uses for words of the document, as a sed script
sed -n -E 's/^--[[:space:]]*doc name:[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*=[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*$/s\/\\b\1\\b\/\2\/g/p' \
	"$SQL" >"$TMP/names.sed"

normalize()
{
	grep -v -e '^$' -e '^[[:space:]]*--' || true
}

sed -E -f "$TMP/names.sed" "$TMP/doc.raw" | sed -e 's/[[:space:]]*$//' | normalize >"$TMP/document"

# the test file without its test-only paragraphs and its own meta-commands
sed -e 's/[[:space:]]*$//' "$SQL" | awk -v docfile="$TMP/document" '
	BEGIN { while ((getline line < docfile) > 0) if (line ~ /^[[:space:]]*\\/) meta[line] = 1 }
	/^--[[:space:]]*test only/ { skip = 1; next }
	skip && /^$/ { skip = 0; next }
	skip { next }
	/^[[:space:]]*\\/ && !($0 in meta) { next }
	{ print }
' | normalize >"$TMP/test file"

if ! (cd "$TMP" && diff -u --label "$DOC_NAME" --label "$SQL_NAME" "document" "test file") >"$TMP/diff"; then
	echo "$NAME: the SQL of $WHAT and $SQL_NAME differ:"
	cat "$TMP/diff"
	echo "$NAME: change both together (and expected/$NAME.out)."
	exit 1
fi

# the output the document shows, paragraph by paragraph, in the expected output
{ blocks text || true; } | sed -E -f "$TMP/names.sed" >"$TMP/shown"
sed -e 's/[[:space:]]*$//' "$EXPECTED" >"$TMP/expected"
if ! awk -v expfile="$TMP/expected" -v countfile="$TMP/shown.count" '
	BEGIN { while ((getline line < expfile) > 0) out[++n] = line }
	function check(   i, j) {
		if (m == 0) return
		shown++
		for (i = 1; i + m - 1 <= n; i++) {
			for (j = 1; j <= m && out[i + j - 1] == par[j]; j++)
				;
			if (j > m) { m = 0; return }
		}
		print "--- shown in the document, not printed by the test:"
		for (j = 1; j <= m; j++) print par[j]
		bad++
		m = 0
	}
	{ sub(/[[:space:]]+$/, "") }
	/^$/ { check(); next }
	/^--([[:space:]]|$)/ { next }
	{ par[++m] = $0 }
	END { check(); print shown + 0 > countfile; exit (bad > 0) }
' "$TMP/shown" >"$TMP/missing"; then
	echo "$NAME: output shown in $WHAT is not in expected/$NAME.out:"
	cat "$TMP/missing"
	echo "$NAME: change the document's output (or the test) so that they agree."
	exit 1
fi
echo "$NAME: the SQL of $WHAT ($(wc -l <"$TMP/test file") lines) and $SQL_NAME agree;" \
	"its output ($(cat "$TMP/shown.count") paragraphs) is in expected/$NAME.out"
