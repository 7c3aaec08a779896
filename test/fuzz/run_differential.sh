#!/bin/bash
# test/fuzz/run_differential.sh -- run the randomized differential test (C engine against test/reference)
#
# Every check by id is compared, and in worlds whose orgs or resources have
# keys of a random type (0.5.0) its twin by key too (see differential.sql).
#
# Connection settings come from the environment (PGHOST, PGPORT, PGUSER,
# PGDATABASE, ...).  The database must be a throwaway one: the test empties
# the access_policy tables.  It must be reached as a superuser; the extension
# is created if missing, the reference model is (re)loaded.
#
# Settings:
#   FUZZ_SEED    setseed() argument in [-1, 1] (default: random, printed)
#   FUZZ_WORLDS  number of random worlds (default 16, the CI size; `make fuzz`: 64)
#   FUZZ_SCALE   multiplies the number of checks per world (default 1)
#   FUZZ_FORCE   1: run even if the database holds access_policy data of its own
#   FUZZ_WRITERS concurrent writer sessions during phases 71-73 (default 2; 0: none)
#
# The last line printed is "differential: N passed, M failed" (N, M count
# worlds, plus one failure when writers were asked for but committed no
# change); the exit status is 0 only if every world passed.

set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
reference="$here/../reference/reference.sql"
worlds=${FUZZ_WORLDS:-16}
scale=${FUZZ_SCALE:-1}
writers=${FUZZ_WRITERS:-2}
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

# Concurrent writers: each loops CALLing ap_fuzz.writer(), which waits at
# the barrier the checker opens only in phases 71-73 and returns when the run
# is over; until differential.sql has created it, the CALL fails and is
# retried.
writer_dir=$(mktemp -d "${TMPDIR:-/tmp}/ap_fuzz_writers.XXXXXX")
writer_pids=()
stop_writers() {
	local pid
	touch "$writer_dir/stop"
	for pid in "${writer_pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${writer_pids[@]}"; do
		wait "$pid" 2>/dev/null
	done
	writer_pids=()
}
trap 'stop_writers; rm -rf "$writer_dir"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
for i in $(seq 1 "$writers"); do
	(
		while [ ! -e "$writer_dir/stop" ]; do
			psql -X -q -c "CALL ap_fuzz.writer()" >>"$writer_dir/writer$i.log" 2>&1 || sleep 0.5
			sleep 0.2
		done
	) &
	writer_pids+=($!)
done
concurrent=false
[ "$writers" -gt 0 ] && concurrent=true

echo "differential: seed $seed (rerun with FUZZ_SEED=$seed FUZZ_WORLDS=$worlds FUZZ_SCALE=$scale FUZZ_WRITERS=$writers)"
start=$(date +%s)
psql_ -v seed="$seed" -v worlds="$worlds" -v scale="$scale" -v concurrent="$concurrent" \
	-f "$here/differential.sql" 2>&1 | sed -u -e 's/^psql:[^ ]*: //'
status=$?
end=$(date +%s)
stop_writers
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
if [ "$writers" -gt 0 ]; then
	n_conc=$(psql_ -At -c "SELECT count(*) FROM ap_fuzz.concurrent_log WHERE what NOT LIKE '%refused%'")
	n_refused=$(psql_ -At -c "SELECT count(*) FROM ap_fuzz.concurrent_log WHERE what LIKE '%refused%'")
	echo "differential: $writers concurrent writers committed $n_conc changes (and $n_refused refused steps)"
	if [ "${n_conc:-0}" -eq 0 ]; then
		echo "run_differential: the concurrent writers committed nothing" >&2
		failed=$((failed + 1))
	fi
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1
fi
if [ "$failed" -ne 0 ] || [ "$status" -ne 0 ]; then
	verdict "$passed" "$failed" 1
fi
verdict "$passed" "$failed" 0
