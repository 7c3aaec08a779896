#!/usr/bin/env bash
# test/suites/05-docs.sh -- the README's quick start and docs/tutorial.md are the
# regression tests docs_quickstart and docs_tutorial (test/docs/check_quickstart.sh
# and check_tutorial.sh print the difference when a document and its test drift apart),
# and docs/reference.md names every function, view, setting and SQLSTATE
# (test/docs/check_reference.sh), and the driver excerpts of docs/guides.md are
# those of examples/drivers/ (test/docs/check_guides.sh).
# Prints "N passed, M failed" last.
pass=0
fail=0
# check_reference.sh reads PostgreSQL's errcodes.h through pg_config
export PG_CONFIG=${AP_PG_BINDIR:-/usr/lib/postgresql/15/bin}/pg_config
for check in test/docs/check_quickstart.sh test/docs/check_tutorial.sh test/docs/check_reference.sh test/docs/check_guides.sh; do
	if bash "$check"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
