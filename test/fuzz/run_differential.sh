#!/bin/bash
# test/fuzz/run_differential.sh -- run the randomized differential test (C engine against test/reference)
#
# Connection settings come from the environment (PGHOST, PGPORT, PGUSER,
# PGDATABASE, ...).  The database must be a throwaway one: the test empties
# the access_policy tables.  It must be reached as a superuser; the extension
# is created if missing, the reference model is (re)loaded.
#
# Settings:
#   FUZZ_SEED    setseed() argument in [-1, 1] (default: random, printed)
#   FUZZ_WORLDS  number of random worlds (default 24)
#   FUZZ_SCALE   multiplies the number of checks per world (default 1)
#   FUZZ_FORCE   1: run even if the database holds access_policy data of its own
#
# The last line printed is "differential: N passed, M failed" (N, M count
# worlds); the exit status is 0 only if every world passed.

set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
reference="$here/../reference/reference.sql"
worlds=${FUZZ_WORLDS:-24}
scale=${FUZZ_SCALE:-1}
seed=${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | awk '{ printf "%.9f", $1 / 4294967296 }')}

psql_() {
	psql -X -q -v ON_ERROR_STOP=1 "$@"
}

verdict() {
	echo "differential: $1 passed, $2 failed"
	exit "$3"
}

if ! psql_ -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS access_policy"; then
	echo "run_differential: cannot connect or create the extension" >&2
	verdict 0 "$worlds" 2
fi

# refuse to empty a database that holds policy data not made by this test
foreign=$(psql_ -At -c "SELECT (SELECT count(*) FROM access_policy.orgs) > 0 AND to_regnamespace('ap_fuzz') IS NULL")
if [ "$foreign" = t ] && [ "${FUZZ_FORCE:-0}" != 1 ]; then
	echo "run_differential: database \"$(psql_ -At -c 'SELECT current_database()')\" holds access_policy data; use a throwaway database or FUZZ_FORCE=1" >&2
	verdict 0 "$worlds" 2
fi

if ! psql_ -v VERBOSITY=terse -c "SET client_min_messages = warning" -f "$reference"; then
	echo "run_differential: cannot load $reference" >&2
	verdict 0 "$worlds" 2
fi

echo "differential: seed $seed (rerun with FUZZ_SEED=$seed FUZZ_WORLDS=$worlds FUZZ_SCALE=$scale)"
start=$(date +%s)
psql_ -v seed="$seed" -v worlds="$worlds" -v scale="$scale" -f "$here/differential.sql" 2>&1 |
	sed -e 's/^psql:[^ ]*: //'
status=$?
end=$(date +%s)
echo "differential: run took $((end - start)) s"

# the verdict counts worlds; one that did not finish (an error, a crash) failed
summary=""
for attempt in 1 2 3 4 5 6 7 8 9 10; do
	summary=$(psql_ -At -F ' ' -c "SELECT passed, failed FROM ap_fuzz.summary()" 2>/dev/null) && break
	sleep 1
done
if [ -z "$summary" ]; then
	echo "run_differential: cannot read the outcome" >&2
	verdict 0 "$worlds" 2
fi
set -- $summary
passed=$1
failed=$2
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1
fi
if [ "$failed" -ne 0 ] || [ "$status" -ne 0 ]; then
	verdict "$passed" "$failed" 1
fi
verdict "$passed" "$failed" 0
