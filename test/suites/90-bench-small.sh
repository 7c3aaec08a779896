#!/usr/bin/env bash
# test/suites/90-bench-small.sh -- CI's smoke test of the benchmark.
#
# Issue #5 asks CI to run `make bench BENCH_SCALE=small`: it must run, not
# meet targets (timings on a shared CI machine prove nothing).  This suite
# runs it and counts as passed when the benchmark completed: it exited 0
# (it exits non-zero when it cannot run or an answer is wrong), printed one
# line for every target of the issues (T1-T9 of #5, S1-S5 of #14, T1au-T8u
# and K1-K2 of #15, by uuid key), and its summary line.  Which targets
# passed is shown, not judged.

set -uo pipefail
. test/lib.sh

out=$SUITE_DIR/bench.out
BENCH_SCALE=small AP_BENCH_PORT=$SUITE_PORT timeout 1500 make -s --no-print-directory bench BENCH_SCALE=small 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}

pass=0 fail=0
if [ "$rc" -eq 0 ]; then
	pass=$((pass + 1))
else
	echo "bench-small: make bench exited with status $rc"
	fail=$((fail + 1))
fi
for t in T1a T1b T2 T3a T3b T3c T4a T4b T5a T5b T5c T6a T6b T7a T7b T7c T7d T8 T9 S1a S1b S2a S2b S3a S3b S3c S4a S4b S5a S5b \
		T1au T1bu T3bu T3cu T8u K1 K2; do
	if grep -Eq "^$t [a-z0-9_]+: .* \(goal .*\) (PASS|FAIL)$" "$out"; then
		pass=$((pass + 1))
	else
		echo "bench-small: no result line for $t"
		fail=$((fail + 1))
	fi
done
if grep -Eq '^[0-9]+ passed, [0-9]+ failed$' "$out"; then
	pass=$((pass + 1))
else
	echo "bench-small: no summary line"
	fail=$((fail + 1))
fi
echo "bench-small: targets met at small scale (informational): $(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
