#!/usr/bin/env bash
# test/pgsrc/suite.sh -- the extension on PostgreSQL 17 and 18 (suites 70-pg17, 71-pg18).
#
# For every major version V in AP_PG_VERSIONS (default "17 18"): PostgreSQL V
# from Debian's source package (test/pgsrc/build, cached under
# /var/cache/access_policy/pgV and reused while the source package is the
# same), the extension built against it with -Werror into that installation,
# then on a throwaway cluster of V:
#   regress     pg_regress on test/sql (expected output in expected/)
#   isolation   pg_isolation_regress on test/specs
#   tap         prove on test/t/*.pl, with V's own TAP modules
#   upgrade     test/suites/20-upgrade.sh (CREATE EXTENSION VERSION 'R' +
#               ALTER EXTENSION UPDATE for every earlier release R)
# Prints a line per version and suite, then "N passed, M failed".

set -uo pipefail
. test/lib.sh
install_cleanup_trap

PASS=0
FAIL=0
count() { PASS=$((PASS + $2)); FAIL=$((FAIL + $3)); printf 'pg%s %-10s %4d passed, %3d failed%s\n' "$V" "$1" "$2" "$3" "${4:+  ($4)}"; }

# pg_regress / pg_isolation_regress summary lines: "All N tests passed." or "M of N tests failed."
regress_counts()
{
	local out=$1 all failed of
	all=$(grep -oE 'All [0-9]+ tests passed' "$out" | grep -oE '[0-9]+' | head -n 1)
	if [ -n "$all" ]; then echo "$all 0"; return; fi
	read -r failed of < <(grep -oE '[0-9]+ of [0-9]+ tests failed' "$out" | head -n 1 | awk '{ print $1, $3 }')
	if [ -n "${failed:-}" ]; then echo "$((of - failed)) $failed"; else echo "0 1"; fi
}

PORT=$(free_port "$SUITE_PORT") || exit 1
for V in ${AP_PG_VERSIONS:-17 18}; do
	PREFIX=/var/cache/access_policy/pg$V
	log "PostgreSQL $V: building from Debian's source package (or reusing $PREFIX)"
	if ! BIN=$(test/pgsrc/build "$V" "$PREFIX" | tail -n 1) || [ ! -x "$BIN/postgres" ]; then
		count build 0 1 "PostgreSQL $V could not be built"
		continue
	fi
	CONFIG=$BIN/pg_config
	PGXS=$(dirname "$(dirname "$(dirname "$("$CONFIG" --pgxs)")")")
	WORK=$SUITE_DIR/pg$V
	if ! build_extension_for "$CONFIG" "$WORK"; then
		count build 0 1 "the extension does not build against PostgreSQL $V"
		continue
	fi
	count build 1 0 "$("$CONFIG" --version), -Werror"
	chown -R postgres: "$WORK"

	# regress and isolation on one cluster of V
	CLUSTER=$WORK/cluster
	mkdir -p "$CLUSTER" && chown postgres: "$CLUSTER"
	AP_PG_BINDIR=$BIN PG_BINDIR=$BIN start_cluster "$CLUSTER" "$PORT" fast >/dev/null \
		|| { count cluster 0 1 "could not start PostgreSQL $V"; continue; }
	for kind in regress isolation; do
		out=$WORK/$kind.out
		if [ "$kind" = regress ]; then off=ISOLATION; else off=REGRESS; fi
		as_postgres make -C "$WORK/repo" --no-print-directory installcheck "$off=" PG_CONFIG="$CONFIG" \
			PGHOST="$CLUSTER" PGPORT="$PORT" PGUSER=postgres >"$out" 2>&1
		read -r n m < <(regress_counts "$out")
		count "$kind" "$n" "$m"
		if [ "$m" -ne 0 ]; then
			for d in "$WORK/repo/regression.diffs" "$WORK/repo/output_iso/regression.diffs"; do
				[ -s "$d" ] && head -n 300 "$d"
			done
		fi
	done
	stop_cluster "$CLUSTER"

	# TAP, with V's own PostgreSQL::Test modules
	n=0; m=0
	for t in "$WORK"/repo/test/t/*.pl; do
		tout=$WORK/$(basename "$t" .pl).tap
		( cd "$WORK/repo" && as_postgres env PATH="$BIN:$PATH" PERL5LIB="$PGXS/src/test/perl" \
			PG_REGRESS="$PGXS/src/test/regress/pg_regress" TESTDIR="$WORK/repo" PG_CONFIG="$CONFIG" \
			timeout 900 prove -v "$t" ) >"$tout" 2>&1
		ok=$(grep -cE '^ok [0-9]+' "$tout")
		notok=$(grep -E '^not ok [0-9]+' "$tout" | grep -vc '# TODO')
		grep -q '^Result: PASS' "$tout" || { notok=$((notok + 1)); tail -n 30 "$tout"; }
		n=$((n + ok)); m=$((m + notok))
	done
	count tap "$n" "$m"

	# the update path of every earlier release, on V
	udir=$WORK/upgrade
	mkdir -p "$udir" && chown postgres: "$udir"
	uout=$WORK/upgrade.out
	( cd "$WORK/repo" && env SUITE_DIR="$udir" SUITE_PORT=$((PORT + 5)) AP_PG_BINDIR="$BIN" \
		timeout 900 bash test/suites/20-upgrade.sh ) >"$uout" 2>&1
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$uout" | tail -n 1)
	if [ -n "$last" ]; then
		n=${last%% passed*}; m=${last#*, }; m=${m%% failed}
		[ "$m" -eq 0 ] || cat "$uout"
		count upgrade "$n" "$m"
	else
		cat "$uout"
		count upgrade 0 1 "no summary line"
	fi
done

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
