#!/usr/bin/env bash
# test/docs/check_tutorial.sh -- docs/tutorial.md is a regression test
#
# Every ```sql block of docs/tutorial.md, in order, is the SQL of
# test/sql/docs_tutorial.sql (expected output: expected/docs_tutorial.out).
# The comparison, and what the test file may add for the test (test-only
# paragraphs, its own meta-commands, regress_* names for the document's
# roles), are those of test/docs/check_quickstart.sh, which this runs on the
# whole tutorial.
#
# Usage: test/docs/check_tutorial.sh [TUTORIAL [SQL_FILE]]
# Exit status as check_quickstart.sh: 0 when they agree, 1 with a diff when
# they do not, 2 when a file is missing.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
exec bash "$ROOT/test/docs/check_quickstart.sh" "${1:-$ROOT/docs/tutorial.md}" \
	"${2:-$ROOT/test/sql/docs_tutorial.sql}" ''
