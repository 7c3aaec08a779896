#!/usr/bin/env bash
# test/suites/05-docs.sh -- the README's quick start and docs/tutorial.md are the
# regression tests docs_quickstart and docs_tutorial (test/docs/check_quickstart.sh
# and check_tutorial.sh print the difference when a document and its test drift apart).
# Prints "N passed, M failed" last.
pass=0
fail=0
for check in test/docs/check_quickstart.sh test/docs/check_tutorial.sh; do
	if bash "$check"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
