#!/usr/bin/env bash
# test/docs/check_quickstart.sh -- the README's quick start is a regression test
#
# Why this exists: the quick start in README.md is the first SQL a newcomer
# runs, so it must work.  test/sql/docs_quickstart.sql runs it under
# pg_regress (expected output: expected/docs_quickstart.out); this script makes
# sure the two texts cannot drift apart.  It takes every ```sql block of the
# README section "## Quick start" (up to the next "## " heading), in order, and
# compares their lines with those of test/sql/docs_quickstart.sql.  Ignored on
# both sides: blank lines and lines that hold only a "--" comment; ignored in
# the test file only: psql meta-commands (lines starting with a backslash, such
# as \set VERBOSITY terse).  Trailing white space is ignored.  Every other line
# must be identical and in the same order.
#
# Usage: test/docs/check_quickstart.sh [README [SQL_FILE]]
# Exit status 0 when they agree; 1 with a unified diff (README first) when
# they do not; 2 when a file or the section is missing.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
README=${1:-$ROOT/README.md}
SQL=${2:-$ROOT/test/sql/docs_quickstart.sql}

for f in "$README" "$SQL"; do
	if [ ! -r "$f" ]; then
		echo "check_quickstart: cannot read $f" >&2
		exit 2
	fi
done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# the ```sql blocks of the "## Quick start" section
awk '
	/^## / { insec = ($0 ~ /^## Quick start[[:space:]]*$/); next }
	!insec { next }
	/^```sql[[:space:]]*$/ { inblock = 1; found = 1; next }
	/^```/ && inblock { inblock = 0; next }
	inblock { print }
	END { if (!found) exit 3 }
' "$README" >"$TMP/readme.raw" || {
	echo "check_quickstart: no \`\`\`sql block in the section \"## Quick start\" of $README" >&2
	exit 2
}

normalize()
{
	sed -e 's/[[:space:]]*$//' \
		| grep -v -e '^$' -e '^[[:space:]]*--' || true
}

normalize <"$TMP/readme.raw" >"$TMP/README quick start"
grep -v '^[[:space:]]*\\' "$SQL" | normalize >"$TMP/docs_quickstart.sql"

if ! (cd "$TMP" && diff -u "README quick start" "docs_quickstart.sql") >"$TMP/diff"; then
	echo "check_quickstart: the README's quick start and test/sql/docs_quickstart.sql differ:"
	cat "$TMP/diff"
	echo "check_quickstart: change both together (and expected/docs_quickstart.out)."
	exit 1
fi
echo "check_quickstart: the README's quick start ($(wc -l <"$TMP/docs_quickstart.sql") lines of SQL) and test/sql/docs_quickstart.sql agree"
