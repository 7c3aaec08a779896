#!/usr/bin/env bash
# test/suites/34-citus.sh -- access_policy on Citus: a coordinator and two
# workers answer exactly as one node does.
#
# Needs Citus (citus.so) installed for the server under test; Citus is not
# part of this project and is not installed by it: without it the suite
# prints "skipped: ..." and the test runner counts it as skipped.
#
# Four clusters: a single node and a Citus coordinator with two workers,
# set up as docs/guides.md (Citus) says (examples/citus/distribute.sql).  The
# same generated world (test/citus/world.sql: 30 orgs, 26 users, custom
# roles, resource grants, support access, team changes) is built through the
# API on both; its tenant tables docs and comments are distributed by org
# (co-located) on Citus.  Checked:
#   - every check, list and RLS-protected SELECT, INSERT, UPDATE and DELETE
#     of every user (test/citus/checks.sh) gives the same output on both,
#     and that output is not trivial;
#   - administration on the coordinator (test/citus/admin.sql) returns what
#     it returns on one node, after which every node holds the same policy
#     data and every user's answers are again identical; a failed
#     administration transaction changes no node;
#   - the audit log is kept on the coordinator only; a support agent's write
#     to a distributed table is recorded on the worker of its shard;
#   - a revocation and an expiry are seen by the workers at the next
#     statement of a session whose worker connections stay open;
#   - the identity token: a valid one is accepted on a worker, a forged,
#     another role's or an expired one is refused, the key is not readable
#     by the application; a session-scoped identity and an autocommit
#     statement reach no worker (no rows: fail closed);
#   - the planner support of can() gives the workers an index condition;
#   - after a worker restart the comparison holds again.
#   (the token checks: test/citus/token_checks.sh, also run by the suite
#   identity-token on one node)
# Prints "N passed, M failed" last.

set -uo pipefail
. test/lib.sh
install_cleanup_trap

LIBDIR=$("$PG_CONFIG" --pkglibdir)
if [ ! -f "$LIBDIR/citus.so" ]; then
	echo "skipped: Citus is not installed for this server (no $LIBDIR/citus.so); Citus is not in Debian's archive, build it from its source to run this suite"
	exit 0
fi

KEY=citus-suite-key-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
SOCK=$SUITE_DIR
PORT=$(free_port "$SUITE_PORT") || exit 1
declare -A PORTS
p=$PORT
for n in single coord w1 w2; do
	p=$(free_port "$p") || exit 1
	PORTS[$n]=$p
	p=$((p + 1))
	dir=$SUITE_DIR/$n
	mkdir -p "$dir" && chown postgres: "$dir"
	start_cluster "$dir" "${PORTS[$n]}" fast >/dev/null || { not_ok "cluster $n"; finish; }
	{
		echo "unix_socket_directories = '$SOCK'"
		echo "max_prepared_transactions = 20"
		if [ "$n" = single ]; then
			echo "shared_preload_libraries = 'access_policy'"
		else
			echo "shared_preload_libraries = 'citus,access_policy'"
			echo "citus.enable_unsafe_triggers = on"
			echo "citus.propagate_set_commands = 'local'"
			echo "access_policy.identity_key = '$KEY'"
		fi
	} >>"$dir/data/postgresql.conf"
	as_postgres "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 restart >/dev/null \
		|| { tail -n 20 "$dir/server.log"; not_ok "restart $n"; finish; }
done
on() { local n=$1; shift; as_postgres "$PG_BINDIR/psql" -X -q -h "$SOCK" -p "${PORTS[$n]}" -d postgres "$@"; }
sql() { local n=$1; shift; on "$n" -U postgres -At -v ON_ERROR_STOP=1 "$@"; }

# the Citus cluster, as docs/guides.md says
for n in coord w1 w2; do
	sql "$n" -c "CREATE EXTENSION citus" >/dev/null || { not_ok "CREATE EXTENSION citus on $n"; finish; }
done
CITUS=$(sql coord -c "SELECT extversion FROM pg_extension WHERE extname = 'citus'")
sql coord -c "SELECT citus_set_coordinator_host('$SOCK', ${PORTS[coord]})" \
	-c "SELECT citus_add_node('$SOCK', ${PORTS[w1]})" -c "SELECT citus_add_node('$SOCK', ${PORTS[w2]})" \
	-c "CREATE EXTENSION access_policy" >/dev/null || { not_ok "coordinator setup"; finish; }
if sql coord -f examples/citus/distribute.sql >"$SUITE_DIR/distribute.out" 2>&1; then
	ok "Citus $CITUS: coordinator and 2 workers, policy tables distributed by examples/citus/distribute.sql"
else
	cat "$SUITE_DIR/distribute.out"; not_ok "examples/citus/distribute.sql"; finish
fi
# the audit rows the initial copy of the built-in rows wrote on the workers
AUDIT_W0=$(($(sql w1 -c "SELECT count(*) FROM access_policy.audit_log") + $(sql w2 -c "SELECT count(*) FROM access_policy.audit_log")))
sql single -c "CREATE EXTENSION access_policy" >/dev/null || { not_ok "single node"; finish; }
if sql single -v citus=0 -f test/citus/world.sql >"$SUITE_DIR/world-single.out" 2>&1 \
	&& sql coord -v citus=1 -f test/citus/world.sql >"$SUITE_DIR/world-citus.out" 2>&1; then
	ok "the same world built through the API on a single node and on the coordinator"
else
	tail -n 20 "$SUITE_DIR"/world-*.out; not_ok "test/citus/world.sql"; finish
fi
shards=$(sql coord -c "SELECT count(DISTINCT nodeport) FROM citus_shards WHERE table_name = 'docs'::regclass")
[ "$shards" = 2 ] && ok "docs and comments are distributed over both workers" || not_ok "docs shards on $shards nodes"

# every node holds the same policy data
same_data() {
	local q="SELECT string_agg(t || ':' || n, ' ' ORDER BY t) FROM (
		SELECT 'users' AS t, count(*) AS n FROM access_policy.users UNION ALL
		SELECT 'orgs', count(*) FROM access_policy.orgs UNION ALL
		SELECT 'roles', count(*) FROM access_policy.roles UNION ALL
		SELECT 'assignments', count(*) FROM access_policy.assignments UNION ALL
		SELECT 'resource_grants', count(*) FROM access_policy.resource_grants UNION ALL
		SELECT 'support_settings', count(*) FROM access_policy.support_settings) c"
	local a b c d
	a=$(sql single -c "$q"); b=$(sql coord -c "$q"); c=$(sql w1 -c "$q"); d=$(sql w2 -c "$q")
	if [ -n "$a" ] && [ "$a" = "$b" ] && [ "$b" = "$c" ] && [ "$c" = "$d" ]; then
		ok "$1: every node holds the same policy data ($b)"
	else
		not_ok "$1: policy data differs: single '$a', coordinator '$b', workers '$c' '$d'"
	fi
}
same_data "after the world"

# every check, list and RLS-protected statement of every user
USERS="agent $(seq -f 'u%02g' 1 24 | tr '\n' ' ') nobody"
bash test/citus/checks.sh $USERS >"$SUITE_DIR/checks.sql"
compare() {
	on single -U citus_app -At -F'|' -f "$SUITE_DIR/checks.sql" >"$SUITE_DIR/checks-single.out" 2>&1
	on coord -U citus_app -At -F'|' -f "$SUITE_DIR/checks.sql" >"$SUITE_DIR/checks-citus.out" 2>&1
	local lines
	lines=$(wc -l <"$SUITE_DIR/checks-single.out")
	if grep -q ERROR "$SUITE_DIR/checks-single.out" "$SUITE_DIR/checks-citus.out"; then
		grep -m 5 ERROR "$SUITE_DIR"/checks-*.out; not_ok "$1: errors in the comparison"
	elif cmp -s "$SUITE_DIR/checks-single.out" "$SUITE_DIR/checks-citus.out"; then
		ok "$1: 26 users, $lines lines of checks, lists and RLS-protected SELECT/INSERT/UPDATE/DELETE identical on Citus and on one node"
	else
		diff "$SUITE_DIR/checks-single.out" "$SUITE_DIR/checks-citus.out" | head -n 20
		not_ok "$1: Citus answers differently from one node"
	fi
}
compare "comparison"
f=$SUITE_DIR/checks-citus.out
seeing=$(grep '^[a-z0-9]* docs|' "$f" | cut -d' ' -f1 | sort -u | wc -l)
inserts=$(grep -c '^[a-z0-9]* insert|[0-9]*|ok 1$' "$f")
refused=$(grep -c '^[a-z0-9]* insert|[0-9]*|refused$' "$f")
distinct=$(for u in $USERS; do grep "^$u " "$f" | sed "s/^$u //" | md5sum; done | sort -u | wc -l)
if [ "$seeing" -ge 10 ] && [ "$inserts" -ge 50 ] && [ "$refused" -ge 300 ] && [ "$distinct" -ge 15 ]; then
	ok "the comparison is not trivial: $seeing users see documents, $inserts inserts allowed, $refused refused, $distinct distinct answers among 26 users"
else
	not_ok "trivial comparison: $seeing users see documents, $inserts inserts allowed, $refused refused, $distinct distinct answers"
fi

# administration on the coordinator: the same results as on one node, then
# the same data on every node and the same answers for every user
sql single -f test/citus/admin.sql >"$SUITE_DIR/admin-single.out" 2>"$SUITE_DIR/admin-single.err"
sql coord -f test/citus/admin.sql >"$SUITE_DIR/admin-citus.out" 2>"$SUITE_DIR/admin-citus.err"
calls=$(grep -c . "$SUITE_DIR/admin-single.out")
if cmp -s "$SUITE_DIR/admin-single.out" "$SUITE_DIR/admin-citus.out" && [ ! -s "$SUITE_DIR/admin-single.err" ] \
	&& [ ! -s "$SUITE_DIR/admin-citus.err" ] && [ "$calls" -ge 60 ]; then
	ok "administration on the coordinator (test/citus/admin.sql, $calls result lines: org moves, roles, assignments, resources, keys, support access, requests and overrides, team management, delete_org with a co-located child table, housekeeping) answers as on one node, without errors"
else
	diff "$SUITE_DIR/admin-single.out" "$SUITE_DIR/admin-citus.out" | head -n 10; cat "$SUITE_DIR"/admin-*.err | head -n 20
	not_ok "administration differs on Citus"
fi
same_data "after administration"
compare "after administration"

# where things are recorded: the audit log on the coordinator only (the
# workers' audit triggers are disabled by distribute.sql), the support
# activity of a write to a distributed table on the worker of its shard
cnt() { sql "$1" -c "SELECT count(*) FROM access_policy.$2"; }
for n in single coord; do
	on "$n" -U citus_app -At -c "BEGIN" -c "SELECT access_policy.set_user('agent')" \
		-c "INSERT INTO comments VALUES (3, 1, 77, 'written by support')" -c "COMMIT" >/dev/null 2>&1
done
one=$(cnt single support_activity_log)
act_c=$(cnt coord support_activity_log)
act_w=$(($(cnt w1 support_activity_log) + $(cnt w2 support_activity_log)))
audit_c=$(cnt coord audit_log)
audit_w=$(($(cnt w1 audit_log) + $(cnt w2 audit_log) - AUDIT_W0))
if [ "$audit_c" -gt 0 ] && [ "$audit_w" = 0 ] && [ "$one" = 1 ] && [ "$act_c" = 0 ] && [ "$act_w" = 1 ]; then
	ok "the audit log is on the coordinator only ($audit_c rows, none on the workers since distribute.sql); a support agent's write to a distributed table is recorded on the worker of its shard (1 entry; 1 on one node)"
else
	not_ok "audit rows: coordinator $audit_c, workers $audit_w; support activity: one node $one, coordinator $act_c, workers $act_w"
fi

# a failed administration transaction leaves no change on any node
sql coord -c "BEGIN" -c "SELECT access_policy.create_org('half', 1)" \
	-c "SELECT access_policy.create_org('orphan', 424242)" -c "COMMIT" >/dev/null 2>&1
same_data "after a failed administration transaction"

# revocation and expiry at the next statement, worker connections kept open
cat >"$SUITE_DIR/next.sql" <<SQL
BEGIN; SELECT access_policy.set_user('u05'); SELECT 'before', count(*) FROM docs; COMMIT;
\! $PG_BINDIR/psql -X -q -h $SOCK -p \$AP_PORT -U postgres -d postgres -c "SELECT access_policy.revoke_role('u05', 6, 'reader')" >/dev/null
BEGIN; SELECT access_policy.set_user('u05'); SELECT 'after', count(*) FROM docs; COMMIT;
\! $PG_BINDIR/psql -X -q -h $SOCK -p \$AP_PORT -U postgres -d postgres -c "SELECT access_policy.assign_role('u05', 2, 'reader', expires_at => now() + interval '3 seconds')" >/dev/null
BEGIN; SELECT access_policy.set_user('u05'); SELECT 'granted', count(*) FROM docs; COMMIT;
\! sleep 4
BEGIN; SELECT access_policy.set_user('u05'); SELECT 'expired', count(*) FROM docs; COMMIT;
SQL
as_postgres env AP_PORT="${PORTS[single]}" "$PG_BINDIR/psql" -X -q -h "$SOCK" -p "${PORTS[single]}" -d postgres -U citus_app -At -f "$SUITE_DIR/next.sql" >"$SUITE_DIR/next-single.out" 2>&1
as_postgres env AP_PORT="${PORTS[coord]}" "$PG_BINDIR/psql" -X -q -h "$SOCK" -p "${PORTS[coord]}" -d postgres -U citus_app -At -f "$SUITE_DIR/next.sql" >"$SUITE_DIR/next-citus.out" 2>&1
got=$(tr '\n' ' ' <"$SUITE_DIR/next-citus.out")
before=$(sed -n 's/^before|//p' "$SUITE_DIR/next-citus.out")
after=$(sed -n 's/^after|//p' "$SUITE_DIR/next-citus.out")
granted=$(sed -n 's/^granted|//p' "$SUITE_DIR/next-citus.out")
expired=$(sed -n 's/^expired|//p' "$SUITE_DIR/next-citus.out")
if cmp -s "$SUITE_DIR/next-single.out" "$SUITE_DIR/next-citus.out" && [ -n "$before" ] && [ -n "$expired" ] \
	&& [ "$after" -lt "$before" ] && [ "$granted" -gt "$after" ] && [ "$expired" -lt "$granted" ]; then
	ok "revocation and expiry seen by the workers at the next statement, as on one node: $got"
else
	cat "$SUITE_DIR/next-single.out"; not_ok "revocation/expiry on Citus: $got"
fi

# the identity token, verified on a worker
mint() { on coord "$@"; }
verify() { on w1 "$@"; }
lifetime() { for n in coord w1 w2; do sql "$n" -c "ALTER SYSTEM $1" -c "SELECT pg_reload_conf()" >/dev/null; done; }
. test/citus/token_checks.sh
one=$(on single -U citus_app -At -c "SELECT access_policy.set_user('u01', false)" -c "SELECT count(*) FROM docs" | tail -n 1)
cit=$(on coord -U citus_app -At -c "SELECT access_policy.set_user('u01', false)" -c "SELECT count(*) FROM docs" | tail -n 1)
[ "$one" -gt 0 ] && [ "$cit" = 0 ] && ok "a session-scoped identity reaches no worker: $cit rows on Citus ($one on one node), fail closed" \
	|| not_ok "session-scoped identity: $cit rows on Citus, $one on one node"
cit=$(on coord -U citus_app -At -c "SELECT access_policy.set_user('u01')" -c "SELECT count(*) FROM docs" 2>/dev/null | tail -n 1)
[ "$cit" = 0 ] && ok "an autocommit set_user() reaches no worker: 0 rows" || not_ok "autocommit set_user: $cit rows"

# the planner support on the workers
plan=$(on coord -U citus_app -At -c "BEGIN" -c "SELECT access_policy.set_user('u09')" -c "SET LOCAL enable_seqscan = off" \
	-c "EXPLAIN (COSTS OFF) SELECT * FROM docs" -c "COMMIT")
[[ $plan == *"Index Cond: (org_id = ANY (access_policy.orgs_with('docs.view'::text)))"* ]] \
	&& ok "can()'s planner support gives the workers' shards an index condition" || { echo "$plan"; not_ok "no index condition on the workers"; }

# a worker restart
as_postgres "$PG_BINDIR/pg_ctl" -D "$SUITE_DIR/w1/data" -l "$SUITE_DIR/w1/server.log" -w -t 60 restart -m fast >/dev/null \
	&& ok "worker 1 restarted" || not_ok "worker 1 restart"
compare "after the worker restart"
finish
