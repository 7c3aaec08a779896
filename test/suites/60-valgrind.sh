#!/usr/bin/env bash
# test/suites/60-valgrind.sh -- the regression suite under Valgrind, and debug_discard_caches
#
# Why this suite exists: a memory error in the engine
# (a read past a buffer, a use of freed cache memory, a branch on
# uninitialised bytes) may answer wrongly or crash only now and then; Memcheck
# reports it the first time the code runs.  This is the CI-sized run of
# `make valgrind`: test/valgrind/run with the whole REGRESS list (about two
# minutes here; see docs), failing on any Memcheck error whose stack passes
# through access_policy.so, on any regression test that fails under
# Valgrind, and on any server process killed by a signal.
#
# Second part: debug_discard_caches = 1 (every cache entry rebuilt at every
# invalidation point) over the engine's regression tests, when the server
# supports it.  PostgreSQL accepts values other than 0 only when built with
# DISCARD_CACHES_ENABLED (assert builds); Debian's server is not.  The suite
# asks the server and, when it refuses, says so and counts nothing for it.
#
# Run by test/run with SUITE_DIR, SUITE_PORT and AP_PG_BINDIR; the extension
# is installed.  Last line: "N passed, M failed".

set -uo pipefail

# shellcheck source=test/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

install_cleanup_trap
ensure_packages valgrind:valgrind

SUITE_DIR=${SUITE_DIR:?SUITE_DIR is not set}
SUITE_PORT=${SUITE_PORT:-57320}
pass=0
fail=0

# 1. the regression suite under Valgrind
out=$SUITE_DIR/valgrind.out
TMPDIR=$SUITE_DIR VALGRIND_BUILD=0 VALGRIND_PORT=$SUITE_PORT timeout --kill-after=30 1500 \
	"$REPO_ROOT/test/valgrind/run" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
last=$(grep -E '^valgrind: [0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
if [[ $last =~ ^valgrind:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
	pass=$((pass + BASH_REMATCH[1]))
	fail=$((fail + BASH_REMATCH[2]))
	[ "$rc" -eq 0 ] || [ "${BASH_REMATCH[2]}" -gt 0 ] || fail=$((fail + 1))
else
	echo "60-valgrind: test/valgrind/run gave no verdict (exit status $rc)"
	fail=$((fail + 1))
fi

# 2. debug_discard_caches = 1 over the engine tests, if this server has it
ENGINE_TESTS=(setup checks resources rls support_access team)
CLUSTER=$SUITE_DIR/discard
mkdir -p "$CLUSTER" && chown postgres: "$CLUSTER"
port=$(free_port $((SUITE_PORT + 10))) || exit 1
start_cluster "$CLUSTER" "$port" fast || exit 1
if as_postgres "$PG_BINDIR/psql" -X -q -h "$CLUSTER" -p "$port" -U postgres -d postgres \
		-c "SET debug_discard_caches = 1" >"$CLUSTER/probe.out" 2>&1; then
	echo "debug_discard_caches: supported; running ${ENGINE_TESTS[*]} with debug_discard_caches = 1"
	mkdir -p "$SUITE_DIR/discard-out"
	tar -C "$REPO_ROOT" -cf - test expected | tar -C "$SUITE_DIR/discard-out" -xf -
	chown -R postgres: "$SUITE_DIR/discard-out"
	(
		cd "$SUITE_DIR/discard-out" && as_postgres env PGOPTIONS="-c debug_discard_caches=1" \
			timeout 1500 "$PG_REGRESS" --inputdir="$SUITE_DIR/discard-out/test" \
			--outputdir="$SUITE_DIR/discard-out" --bindir="$PG_BINDIR" --host="$CLUSTER" --port="$port" \
			--user=postgres --dbname=contrib_regression "${ENGINE_TESTS[@]}"
	) 2>&1 | tee "$SUITE_DIR/discard.out"
	for t in "${ENGINE_TESTS[@]}"; do
		if grep -qE "^(test| +test) +$t +\.\.\. ok" "$SUITE_DIR/discard.out"; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
		fi
	done
else
	echo "debug_discard_caches: NOT RUN: this server does not support it ($(grep -m1 ERROR "$CLUSTER/probe.out"));" \
		"it needs a server built with DISCARD_CACHES_ENABLED (an assert build), which Debian does not ship"
fi
stop_cluster "$CLUSTER"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
