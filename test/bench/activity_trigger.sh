#!/usr/bin/env bash
# test/bench/activity_trigger.sh -- what the support activity trigger costs
# the writes of everybody but support staff.
#
# In the database named by the usual libpq variables (PGHOST, PGPORT,
# PGUSER: a superuser; PGDATABASE: a scratch database with access_policy
# installed and nothing else of ours in it), a protected table gets
# ROWS rows (default 1,000,000) inserted in one statement by an Editor, RUNS
# times (default 5) with the trigger enabled and disabled in turn (rolled
# back each time).  Prints the median time of each and their ratio.
# Usage: PGDATABASE=scratch test/bench/activity_trigger.sh
set -euo pipefail
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-5}
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql_q >/dev/null <<'SQL'
SELECT access_policy.create_org('bench_activity', NULL, 990001);
SELECT access_policy.create_user('bench_activity_editor');
SELECT access_policy.assign_role('bench_activity_editor', 990001, 'Editor');
CREATE TABLE bench_activity (id bigint, org_id bigint NOT NULL, body text);
CREATE INDEX ON bench_activity (org_id);
SELECT access_policy.protect_table('bench_activity', 'org_id', 'responses.view', 'responses.write');
CREATE ROLE bench_activity_app;
GRANT SELECT, INSERT ON bench_activity TO bench_activity_app;
GRANT EXECUTE ON FUNCTION access_policy.set_user(text, boolean) TO bench_activity_app;
SQL
cleanup() {
	psql_q >/dev/null <<'SQL' || true
SELECT access_policy.unprotect_table('bench_activity');
DROP TABLE bench_activity;
REVOKE EXECUTE ON FUNCTION access_policy.set_user(text, boolean) FROM bench_activity_app;
DROP ROLE bench_activity_app;
SELECT access_policy.delete_org(990001, true);
SELECT access_policy.delete_user('bench_activity_editor');
SQL
}
trap cleanup EXIT

one_run() {
	psql_q -c "ALTER TABLE bench_activity $1 TRIGGER access_policy_support_activity" >/dev/null
	psql_q <<SQL | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
SET ROLE bench_activity_app;
BEGIN;
SELECT access_policy.set_user('bench_activity_editor') \g /dev/null
\timing on
INSERT INTO bench_activity SELECT g, 990001, 'x' FROM generate_series(1, $ROWS) g;
\timing off
ROLLBACK;
SQL
}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

on=() off=()
for _ in $(seq "$RUNS"); do
	on+=("$(one_run ENABLE)")
	off+=("$(one_run DISABLE)")
done
m_on=$(printf '%s\n' "${on[@]}" | median)
m_off=$(printf '%s\n' "${off[@]}" | median)
echo "insert of $ROWS rows by an Editor, median of $RUNS: trigger enabled $m_on ms, disabled $m_off ms, ratio $(awk -v a="$m_on" -v b="$m_off" 'BEGIN {printf "%.3f", a / b}')"
