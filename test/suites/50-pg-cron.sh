#!/usr/bin/env bash
# test/suites/50-pg-cron.sh -- access_policy.housekeeping() scheduled with
# pg_cron for real.
#
# A cluster with shared_preload_libraries = 'pg_cron' (Debian's
# postgresql-15-cron; 1.4 schedules by the minute), a database with
# invitations that ended 40 days ago and audit rows from 100 days ago, the
# audit retention set the way a DBA would (ALTER DATABASE ... SET), and the
# job scheduled exactly as the README shows.  Waits (at most ~2.5 minutes)
# for pg_cron to report a successful run, then checks its effect: the old
# invitations and audit rows are gone, recent ones are kept, the purge is
# in the audit log, the log is append-only again.  Prints "N passed,
# M failed" last.

set -uo pipefail
. test/lib.sh
install_cleanup_trap
ensure_packages "$PG_BINDIR/../lib/pg_cron.so:postgresql-15-cron"

CLUSTER=$SUITE_DIR/cluster
mkdir -p "$CLUSTER" && chown postgres: "$CLUSTER"
PORT=$(free_port "$SUITE_PORT") || exit 1
start_cluster "$CLUSTER" "$PORT" fast >/dev/null || { not_ok "cluster"; finish; }
cat >>"$CLUSTER/data/postgresql.conf" <<CONF
shared_preload_libraries = 'pg_cron'
cron.database_name = 'hk'
cron.use_background_workers = on
max_worker_processes = 16
cron.timezone = 'UTC'
CONF
as_postgres "$PG_BINDIR/pg_ctl" -D "$CLUSTER/data" -l "$CLUSTER/server.log" -w -t 60 restart >/dev/null \
	|| { tail -n 20 "$CLUSTER/server.log"; not_ok "restart with pg_cron"; finish; }
q() { as_postgres "$PG_BINDIR/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$CLUSTER" -p "$PORT" -U postgres -d hk "$@"; }
as_postgres "$PG_BINDIR/createdb" -h "$CLUSTER" -p "$PORT" hk || { not_ok "createdb"; finish; }
q -c "CREATE EXTENSION pg_cron" -c "CREATE EXTENSION access_policy" >/dev/null || { not_ok "extensions"; finish; }
ok "pg_cron $(q -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'") and access_policy installed"

q >/dev/null <<'SQL' || { not_ok "planting old data"; finish; }
SELECT access_policy.create_org('Cron Org', NULL, 1);
SELECT access_policy.invite(1, 'inv' || g || '@example.com', 'Viewer') FROM generate_series(1, 4) g;
UPDATE access_policy.invitations SET invited_at = now() - interval '41 days', expires_at = now() - interval '40 days'
 WHERE email IN ('inv1@example.com', 'inv2@example.com');
INSERT INTO access_policy.audit_log (at, db_role, action, target_table, target_id)
SELECT now() - interval '100 days', 'cron_test', 'insert', 'old_rows', g::text FROM generate_series(1, 5) g;
ALTER DATABASE hk SET access_policy.audit_retention = '90d';
SQL
ok "planted 2 ended and 2 pending invitations, 5 audit rows from 100 days ago"

# exactly as the README shows (every minute here instead of nightly)
job=$(q -c "SELECT cron.schedule('access_policy housekeeping', '* * * * *', 'SELECT access_policy.housekeeping()')")
[ -n "$job" ] && ok "scheduled as job $job" || { not_ok "cron.schedule"; finish; }

status=""
for _ in $(seq 1 150); do
	status=$(q -c "SELECT status FROM cron.job_run_details WHERE jobid = $job ORDER BY runid DESC LIMIT 1")
	case $status in succeeded|failed) break ;; esac
	sleep 1
done
if [ "$status" = succeeded ]; then
	ok "pg_cron ran the job: $(q -c "SELECT return_message FROM cron.job_run_details WHERE jobid = $job ORDER BY runid DESC LIMIT 1")"
else
	not_ok "pg_cron job status: '${status:-never ran}' $(q -c "SELECT return_message FROM cron.job_run_details WHERE jobid = $job")"
	finish
fi
q -c "SELECT cron.unschedule($job)" >/dev/null

[ "$(q -c "SELECT string_agg(email, ',' ORDER BY email) FROM access_policy.invitations")" = "inv3@example.com,inv4@example.com" ] \
	&& ok "the invitations that ended 40 days ago are gone, the pending ones kept" \
	|| not_ok "invitations left: $(q -c "SELECT string_agg(email, ',' ORDER BY email) FROM access_policy.invitations")"
[ "$(q -c "SELECT count(*) FROM access_policy.audit_log WHERE target_table = 'old_rows'")" = 0 ] \
	&& ok "audit rows older than access_policy.audit_retention (90 days) are gone" \
	|| not_ok "old audit rows are still there"
[ "$(q -c "SELECT count(*) FROM access_policy.audit_log WHERE target_table = 'orgs'")" = 1 ] \
	&& ok "recent audit rows are kept" || not_ok "recent audit rows were touched"
purge=$(q -c "SELECT db_role || ' ' || (after ->> 'rows') FROM access_policy.audit_log WHERE action = 'purge'")
[ "$purge" = "postgres 5" ] && ok "the purge is in the audit log (by $purge rows)" || not_ok "purge record: '$purge'"
q -c "DELETE FROM access_policy.audit_log" >/dev/null 2>&1 \
	&& not_ok "the audit log accepted a DELETE after housekeeping" \
	|| ok "the audit log is append-only again"
finish
