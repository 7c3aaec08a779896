#!/usr/bin/env bash
# test/suites/62-assert-server.sh -- an assert-enabled server: the suite, debug_discard_caches, Valgrind with USE_VALGRIND
#
# Why this suite exists: Debian's server is built without
# assertions, so it refuses debug_discard_caches = 1, checks none of
# PostgreSQL's own assertions around our calls (locks held, memory contexts,
# catalog access outside a transaction), and, built without USE_VALGRIND,
# hides palloc'd chunks from Memcheck (suite 60-valgrind runs against it and
# says what that cannot see).  Here test/pgdebug/build makes a PostgreSQL 15
# from the source Debian's archive ships, with --enable-cassert and
# -DUSE_VALGRIND, and against it:
#   1. the whole regression suite (REGRESS) passes: no assertion fails;
#   2. debug_discard_caches = 1 over the engine tests (DISCARD_TESTS): every
#      catalog and relation cache entry, and with them every part of our
#      cache, is thrown away at every invalidation point, so code that kept a
#      pointer into a cache entry, or an answer, across an invalidation shows
#      up as a crash, an assertion or a different answer;
#   3. the whole regression suite against this server under Valgrind
#      Memcheck with PostgreSQL's own suppression file (src/tools/valgrind.supp
#      of the same source): with USE_VALGRIND the memory-context code marks
#      freed and unallocated chunk memory, so a read past a palloc'd chunk or
#      of freed cache memory is reported; test/valgrind/run fails on any
#      report through our library;
#   4. the negative control of 3: a copy of the extension with a read of
#      uninitialised palloc'd memory planted in can() must make the same run
#      (setup and checks) fail with a report in our code.  Debian's server
#      (suite 60-valgrind) could not see this one.
#
# Sizes (CI): REGRESS in full for 1 and 3; DISCARD_TESTS defaults to the list
# below, chosen to fit CI (debug_discard_caches makes every statement rebuild
# the catalog caches: setup alone takes about a minute, and a test that builds
# a deep tree in one statement takes hours); AP_DISCARD_TESTS and
# AP_VALGRIND_TESTS choose others.  The build is kept in
# AP_PGDEBUG_PREFIX (default /var/cache/access_policy/pgdebug-15) and reused.
#
# Run by test/run with SUITE_DIR, SUITE_PORT and AP_PG_BINDIR.
# Last line: "N passed, M failed".

set -uo pipefail

# shellcheck source=test/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

install_cleanup_trap

SUITE_DIR=${SUITE_DIR:?SUITE_DIR is not set}
SUITE_PORT=${SUITE_PORT:-57360}
PREFIX=${AP_PGDEBUG_PREFIX:-/var/cache/access_policy/pgdebug-15}
read -r -a DISCARD_TESTS <<<"${AP_DISCARD_TESTS:-identity jwt_claims}"
read -r -a VALGRIND_TESTS <<<"${AP_VALGRIND_TESTS:-}"
# the expected output is that of Debian's psql (its COPY handling differs
# between minor releases), whatever server runs
CLIENT_BINDIR=$PG_BINDIR

pass=0
fail=0
finish()
{
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

# 0. the server
t0=$(date +%s)
DBG_BINDIR=$(bash "$REPO_ROOT/test/pgdebug/build" "$PREFIX" | tail -n 1)
if [ ! -x "$DBG_BINDIR/postgres" ]; then
	verdict fail "building an assert-enabled PostgreSQL 15 from Debian's source package"
	finish
fi
DBG_CONFIG=$DBG_BINDIR/pg_config
DBG_REGRESS=$(d=$("$DBG_CONFIG" --pgxs) && echo "${d%/src/makefiles/pgxs.mk}")/src/test/regress/pg_regress
echo "assert-enabled server: $("$DBG_BINDIR/postgres" --version) in $PREFIX ($(($(date +%s) - t0)) s to build or find)"

# our extension, built against it (-Werror as always) from a copy of the tree
EXT=$SUITE_DIR/ext
mkdir -p "$EXT"
tar -C "$REPO_ROOT" --exclude=./.git --exclude='./results' -cf - . | tar -C "$EXT" -xf -
if { make -C "$EXT" -s clean PG_CONFIG="$DBG_CONFIG" && make -C "$EXT" -s PG_CONFIG="$DBG_CONFIG" \
		&& make -C "$EXT" -s install PG_CONFIG="$DBG_CONFIG"; } >"$SUITE_DIR/build.log" 2>&1; then
	verdict ok "access_policy builds against the assert-enabled server without a warning"
else
	tail -n 30 "$SUITE_DIR/build.log"
	verdict fail "building access_policy against the assert-enabled server"
	finish
fi
chown -R postgres: "$EXT"

# run_regress NAME PGOPTIONS TEST... -- a fresh cluster of the assert-enabled
# server, pg_regress with the tests; prints "passed failed"
run_regress()
{
	local name=$1 opts=$2 port dir t p=0 f=0
	shift 2
	dir=$SUITE_DIR/$name
	mkdir -p "$dir" && chown postgres: "$dir"
	as_postgres "$DBG_BINDIR/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C \
		--no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; echo "0 $#"; return; }
	port=$(free_port "$SUITE_PORT")
	cat >>"$dir/data/postgresql.conf" <<EOF
port = $port
listen_addresses = ''
unix_socket_directories = '$dir'
fsync = off
lc_messages = 'C'
EOF
	as_postgres "$DBG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null \
		|| { tail -n 20 "$dir/server.log" >&2; echo "0 $#"; return; }
	(
		cd "$EXT" && as_postgres env PGOPTIONS="$opts" timeout 3600 "$DBG_REGRESS" --inputdir=test \
			--outputdir="$dir/out" --bindir="$CLIENT_BINDIR" --host="$dir" --port="$port" \
			--dbname=contrib_regression "$@"
	) >"$dir/regress.out" 2>&1
	as_postgres "$DBG_BINDIR/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1
	for t in "$@"; do
		if grep -qE "^(test| +test) +$t +\.\.\. ok" "$dir/regress.out"; then
			p=$((p + 1))
		else
			f=$((f + 1))
			echo "  $name: $t did not pass" >&2
		fi
	done
	if [ "$f" -gt 0 ]; then
		head -n 150 "$dir/out/regression.diffs" >&2 2>/dev/null
		grep -E 'TRAP|terminated by signal|PANIC' "$dir/server.log" | head -n 20 >&2
	fi
	if grep -qE 'TRAP:|terminated by signal' "$dir/server.log"; then
		echo "  $name: the server log shows a failed assertion or a crash" >&2
		f=$((f + 1))
	fi
	echo "$p $f"
}

# 1. the whole regression suite (setup first, as in the Makefile)
# shellcheck disable=SC2016
read -r -a REGRESS < <(printf 'print-var:\n\t@echo $(REGRESS)\n' \
	| make -s --no-print-directory -C "$EXT" -f Makefile -f - print-var PG_CONFIG="$DBG_CONFIG")
t0=$(date +%s)
read -r p f < <(run_regress assert "" "${REGRESS[@]}")
[ "$f" -eq 0 ] && [ "$p" -eq ${#REGRESS[@]} ] \
	&& verdict ok "the regression suite (${#REGRESS[@]} tests) against the assert-enabled server, no failed assertion ($(($(date +%s) - t0)) s)" \
	|| verdict fail "the regression suite against the assert-enabled server: $p passed, $f failed"

# 2. debug_discard_caches = 1
t0=$(date +%s)
read -r p f < <(run_regress discard "-c debug_discard_caches=1" setup "${DISCARD_TESTS[@]}")
[ "$f" -eq 0 ] && [ "$p" -eq $((${#DISCARD_TESTS[@]} + 1)) ] \
	&& verdict ok "debug_discard_caches = 1: setup ${DISCARD_TESTS[*]} give the expected output ($(($(date +%s) - t0)) s)" \
	|| verdict fail "debug_discard_caches = 1: $p passed, $f failed"
# the setting is really in force on this server (Debian's refuses it)
got=$(as_postgres "$DBG_BINDIR/postgres" -D "$SUITE_DIR/discard/data" -c debug_discard_caches=1 -C debug_discard_caches 2>&1)
[ "$got" = 1 ] && verdict ok "the assert-enabled server takes debug_discard_caches = 1" \
	|| verdict fail "the server refuses debug_discard_caches = 1: $got"

# 3. Valgrind with USE_VALGRIND and PostgreSQL's own suppression file
SUPP=$PREFIX/src/src/tools/valgrind.supp
if [ -f "$SUPP" ]; then
	t0=$(date +%s)
	out=$SUITE_DIR/valgrind.out
	TMPDIR=$SUITE_DIR AP_PG_BINDIR=$DBG_BINDIR VALGRIND_BUILD=0 VALGRIND_PORT=$((SUITE_PORT + 20)) \
		VALGRIND_SUPP=$SUPP VALGRIND_PSQL_BINDIR=$CLIENT_BINDIR timeout --kill-after=30 3000 \
		"$REPO_ROOT/test/valgrind/run" "${VALGRIND_TESTS[@]}" >"$out" 2>&1
	rc=$?
	grep -E '^valgrind: [0-9]+ processes|^  |^errors in our code|OUR CODE' "$out" | head -n 60
	last=$(grep -E '^valgrind: [0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
	if [ "$rc" -eq 0 ] && [[ $last =~ ^valgrind:\ ([0-9]+)\ passed,\ 0\ failed$ ]]; then
		verdict ok "Memcheck with USE_VALGRIND, PostgreSQL's suppressions: ${VALGRIND_TESTS[*]:-the regression suite} passes, no error in our code ($(($(date +%s) - t0)) s)"
	else
		tail -n 60 "$out"
		verdict fail "Memcheck with USE_VALGRIND: ${last:-no verdict} (exit $rc)"
	fi
else
	verdict fail "PostgreSQL's suppression file $SUPP is missing"
fi

# 4. the negative control: a planted read of uninitialised palloc'd memory
PLANTED=$SUITE_DIR/planted
rm -rf "$PLANTED" && cp -a "$EXT" "$PLANTED"
perl -0pi -e 's/(\ncan\(PG_FUNCTION_ARGS\)\n\{\n(?:\t[^\n]*;\n)+)\n/$1\tvolatile int *planted = palloc(4 * sizeof(int));\n\n\tif (planted[1] > 5)\n\t\telog(DEBUG5, "planted");\n/' \
	"$PLANTED/src/check.c"
if grep -q 'planted\[1\]' "$PLANTED/src/check.c" \
	&& make -C "$PLANTED" -s PG_CONFIG="$DBG_CONFIG" >"$SUITE_DIR/planted-build.log" 2>&1 \
	&& make -C "$PLANTED" -s install PG_CONFIG="$DBG_CONFIG" >>"$SUITE_DIR/planted-build.log" 2>&1; then
	out=$SUITE_DIR/valgrind-planted.out
	TMPDIR=$SUITE_DIR AP_PG_BINDIR=$DBG_BINDIR VALGRIND_BUILD=0 VALGRIND_PORT=$((SUITE_PORT + 40)) \
		VALGRIND_SUPP=$SUPP VALGRIND_PSQL_BINDIR=$CLIENT_BINDIR timeout --kill-after=30 1500 \
		"$REPO_ROOT/test/valgrind/run" setup checks >"$out" 2>&1
	summary=$(grep -E '^valgrind: [0-9]+ processes' "$out" | tail -n 1)
	if grep -qE 'at 0x[0-9A-F]+: can \(.*src/check\.c:[0-9]+\)' "$out" \
		&& [[ $summary =~ ,\ ([1-9][0-9]*)\ in\ access_policy ]]; then
		verdict ok "the negative control: a planted uninitialised read in can() is reported as ours (${BASH_REMATCH[1]} reports)"
	else
		tail -n 30 "$out"
		verdict fail "the negative control: the planted uninitialised read in can() was not reported ($summary)"
	fi
else
	tail -n 20 "$SUITE_DIR/planted-build.log" 2>/dev/null
	verdict fail "the negative control: cannot plant the read in can() (src/check.c changed?)"
fi
# put the real build back
make -C "$EXT" -s install PG_CONFIG="$DBG_CONFIG" >/dev/null 2>&1 \
	|| verdict fail "reinstalling the extension into the assert-enabled server"

finish
