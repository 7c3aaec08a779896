#!/usr/bin/env bash
# test/suites/05-docs.sh -- the README's quick start is the regression test docs_quickstart
# (test/docs/check_quickstart.sh prints the difference when they drift apart).
# Prints "N passed, M failed" last.
if bash test/docs/check_quickstart.sh; then
	echo "1 passed, 0 failed"
else
	echo "0 passed, 1 failed"
	exit 1
fi
