#!/usr/bin/env bash
# test/suites/61-sqlsmith.sh -- sqlsmith as an unprivileged tenant against the demo world
#
# Why this suite exists: the hand-written tests try the
# queries their authors thought of.  sqlsmith generates random, deeply nested
# queries over every table, function and operator a role can use, including
# our checks with random arguments, our RLS policies inside joins, lateral
# subqueries, window functions and casts.  A crash, an internal error or one
# row of another tenant shown to the tenant would each be a bug.
#
# Setup: a cluster with the demo world (test/demo_world.sql) and tenant
# tables protected with access_policy.protect_table(): smith_data.notes (org
# column) and smith_data.page_notes (org and resource column).  Every row of
# an org the tenant may not read carries the text CANARY in every text
# column; the tenant's own rows never do.
#
# The tenant: the login role "smith", without EXECUTE on set_user and without
# BYPASSRLS, owning nothing, with SELECT on the tenant tables.  Its identity
# is the supported route for a login that is not the application:
# access_policy.map_login('smith', 'omar') -- omar is a Viewer (and App
# Builder) at Contoso Clinic South (org 112) only.  (Setting the identity
# through ALTER ROLE ... SET or PGOPTIONS is refused by design, see
# test/t/001_identity_forging.pl.)
#
# Run: sqlsmith --target="... user=smith" --exclude-catalog --seed=S
# --max-queries=N (SQLSMITH_QUERIES, default 20000) under a time limit
# (SQLSMITH_SECONDS, default 240), with --dump-all-queries.  Verdicts:
#   1. no crash: the server log has no "terminated by signal" and the
#      postmaster is the same process with the same start time;
#   2. no internal error in our code: no ERROR/FATAL/PANIC with an SQLSTATE
#      of class XX (log_line_prefix carries %e) whose LOCATION is one of our
#      C files or whose CONTEXT is one of our SQL functions; internal errors
#      of PostgreSQL itself (sqlsmith finds some, e.g. "invalid INTERVAL
#      typmod" from a core function given a random typmod) are listed, not
#      counted;
#   3. no row of another org, three ways:
#      a. leak probes: public.leak_probe(text) and the operators text @~@ text
#         and text <@~ text are ordinary (not leakproof) functions the tenant
#         may call; sqlsmith puts them into WHERE clauses and select lists
#         with random arguments, tenant columns among them.  Each raises a
#         WARNING "LEAK-PROBE saw ..." when it sees CANARY.  Row-level
#         security evaluates the policy before any non-leakproof user
#         function, so none may ever fire;
#      b. no server log line (error messages, details, contexts) contains
#         CANARY: an error message must not carry another org's data;
#      c. every query sqlsmith generated that selects (up to
#         SQLSMITH_REPLAY, default 3000, in order) is run again as smith,
#         capped at 500 rows and 2 s each, and its output must not contain
#         CANARY;
#   4. sanity, so that the verdicts mean something: smith acts as omar,
#      sees its own rows and none of the others', the probes do fire for a
#      superuser who sees the canaries, and sqlsmith ran at least 1000
#      queries.
# Limits: sqlsmith chooses what to call at random, so (a) covers only the
# calls it happened to generate; (c) re-runs queries rather than inspecting
# what sqlsmith saw (volatile functions can differ, and statements that fail
# or time out on replay are not inspected); a leak through timing or through
# the number of rows is not detected.

set -uo pipefail

# shellcheck source=test/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

install_cleanup_trap
ensure_packages sqlsmith:sqlsmith

SUITE_DIR=${SUITE_DIR:?SUITE_DIR is not set}
SUITE_PORT=${SUITE_PORT:-57340}
QUERIES=${SQLSMITH_QUERIES:-20000}
SECONDS_MAX=${SQLSMITH_SECONDS:-240}
REPLAY=${SQLSMITH_REPLAY:-3000}
SEED=${SQLSMITH_SEED:-$((RANDOM * 32768 + RANDOM))}

pass=0
fail=0

CLUSTER=$SUITE_DIR/cluster
mkdir -p "$CLUSTER" && chown postgres: "$CLUSTER"
PORT=$(free_port "$SUITE_PORT") || exit 1
start_cluster "$CLUSTER" "$PORT" fast || exit 1
cat >>"$CLUSTER/data/postgresql.conf" <<EOF
log_line_prefix = '%m [%p] %e %u '
log_min_messages = warning
log_min_error_statement = error
log_error_verbosity = verbose
statement_timeout = '5s'
EOF
as_postgres "$PG_BINDIR/pg_ctl" -D "$CLUSTER/data" -w reload >/dev/null

psql_su() { as_postgres "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$CLUSTER" -p "$PORT" -U postgres "$@"; }

as_postgres "$PG_BINDIR/createdb" -h "$CLUSTER" -p "$PORT" -U postgres demo || die "createdb failed"
psql_su -d demo -c 'CREATE EXTENSION access_policy' || die "CREATE EXTENSION failed"
psql_su -d demo <"$REPO_ROOT/test/demo_world.sql" >"$SUITE_DIR/demo_world.out" 2>&1 \
	|| { tail -n 30 "$SUITE_DIR/demo_world.out"; die "loading the demo world failed"; }

# The tenant tables, their canaries, the probes and the tenant role.
psql_su -d demo <<'EOF' || die "setting up the tenant tables failed"
SET client_min_messages = warning;
CREATE ROLE smith_owner;
CREATE SCHEMA smith_data AUTHORIZATION smith_owner;
-- the owner protects its tables (protect_table checks ownership inside)
GRANT EXECUTE ON FUNCTION access_policy.protect_table(regclass, name, text, text, name, boolean, boolean) TO smith_owner;
SET ROLE smith_owner;
CREATE TABLE smith_data.notes (
	id		bigint PRIMARY KEY,
	org_id	bigint NOT NULL,
	title	text NOT NULL,
	body	text,
	amount	numeric,
	tags	text[],
	created	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON smith_data.notes (org_id);
CREATE TABLE smith_data.page_notes (
	id		bigint PRIMARY KEY,
	org_id	bigint NOT NULL,
	page_id	bigint,
	body	text NOT NULL
);
RESET ROLE;
-- omar reads org 112 (Viewer there); every other org's rows are canaries
INSERT INTO smith_data.notes (id, org_id, title, body, amount, tags)
SELECT g, o.id,
	   CASE WHEN o.id = 112 THEN 'note ' ELSE 'CANARY-title-' || o.id || '-' END || g,
	   CASE WHEN o.id = 112 THEN 'visible body ' ELSE 'CANARY-body-' || o.id || '-' END || g,
	   g * 1.5,
	   CASE WHEN o.id = 112 THEN ARRAY['mine', 'tag' || g] ELSE ARRAY['CANARY-tag-' || o.id] END
  FROM access_policy.orgs o, generate_series(1, 40) g0,
	   LATERAL (SELECT o.id * 1000 + g0 AS g) x;
-- rows on resources (every resource of every org) and without one
INSERT INTO smith_data.page_notes (id, org_id, page_id, body)
SELECT r.id * 10 + g, r.org_id, r.id,
	   CASE WHEN r.org_id = 112 THEN 'visible page note ' ELSE 'CANARY-page-' || r.org_id || '-' END || g
  FROM access_policy.resources r, generate_series(1, 3) g;
INSERT INTO smith_data.page_notes (id, org_id, page_id, body)
SELECT -(o.id * 10 + g), o.id, NULL,
	   CASE WHEN o.id = 112 THEN 'visible page note ' ELSE 'CANARY-page-' || o.id || '-' END || g
  FROM access_policy.orgs o, generate_series(1, 3) g;
SET ROLE smith_owner;
SELECT access_policy.protect_table('smith_data.notes', 'org_id', 'responses.view', 'responses.write');
SELECT access_policy.protect_table('smith_data.page_notes', 'org_id', 'responses.view', 'responses.write',
								   resource_column => 'page_id');
RESET ROLE;

-- the leak probes: not leakproof, callable by the tenant
CREATE FUNCTION public.leak_probe(v text) RETURNS boolean
LANGUAGE plpgsql VOLATILE COST 0.0001
AS $$
BEGIN
	IF v LIKE '%CANARY%' THEN
		RAISE WARNING 'LEAK-PROBE saw %', v;
	END IF;
	RETURN v IS NOT NULL;
END;
$$;
CREATE FUNCTION public.leak_probe_2(a text, b text) RETURNS boolean
LANGUAGE sql VOLATILE COST 0.0001
AS $$ SELECT public.leak_probe(a) AND public.leak_probe(b) $$;
CREATE FUNCTION public.leak_probe_arr(a text[], b text) RETURNS boolean
LANGUAGE sql VOLATILE COST 0.0001
AS $$ SELECT public.leak_probe(array_to_string(a, ',')) AND public.leak_probe(b) $$;
CREATE OPERATOR public.@~@ (LEFTARG = text, RIGHTARG = text, FUNCTION = public.leak_probe_2);
CREATE OPERATOR public.<@~ (LEFTARG = text[], RIGHTARG = text, FUNCTION = public.leak_probe_arr);
COMMENT ON FUNCTION public.leak_probe(text) IS 'test/suites/61-sqlsmith.sh: warns when it sees another org''s canary';

-- the tenant: a login mapped to omar, nothing else
CREATE ROLE smith LOGIN;
SELECT access_policy.map_login('smith', 'omar');
GRANT USAGE ON SCHEMA smith_data TO smith;
GRANT SELECT ON smith_data.notes, smith_data.page_notes TO smith;
GRANT USAGE ON SCHEMA demo TO smith;
GRANT SELECT ON demo.responses TO smith;
ANALYZE;
EOF

psql_smith() { as_postgres "$PG_BINDIR/psql" -X -q -h "$CLUSTER" -p "$PORT" -U smith -d demo "$@"; }

# 4. sanity first
got=$(psql_smith -At -c "SELECT access_policy.current_user_id(),
			(SELECT count(*) FROM smith_data.notes), (SELECT count(*) FROM smith_data.notes WHERE org_id <> 112),
			(SELECT count(*) FROM smith_data.page_notes), has_function_privilege('access_policy.set_user(text, boolean)', 'EXECUTE'),
			(SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user)" 2>&1)
[ "$got" = "omar|40|0|$(psql_su -d demo -At -c "SELECT count(*) FROM smith_data.page_notes p WHERE p.org_id = 112")|f|f" ] \
	&& [ "$(psql_su -d demo -At -c 'SELECT count(*) FROM smith_data.page_notes WHERE org_id = 112')" -gt 0 ] \
	&& verdict ok "smith acts as omar, sees omar's 40 notes and page notes and nothing else, cannot set_user, no BYPASSRLS" \
	|| verdict fail "tenant setup: got '$got'"
probe=$(psql_su -d demo -At -c "SELECT count(*) FROM smith_data.notes WHERE body @~@ title" 2>&1)
if grep -q 'LEAK-PROBE saw CANARY' <<<"$probe"; then
	verdict ok "the leak probes fire when they see a canary (as a superuser, who bypasses RLS)"
else
	verdict fail "the leak probe did not fire for a superuser: $probe"
fi
leak=$(psql_smith -At -c "SELECT count(*) FROM smith_data.notes WHERE body @~@ title; SELECT count(*) FROM smith_data.page_notes WHERE leak_probe(body)" 2>&1)
if [ "$leak" = $'40\n'"$(psql_su -d demo -At -c 'SELECT count(*) FROM smith_data.page_notes WHERE org_id = 112')" ]; then
	verdict ok "as smith the probes see only smith's own rows"
else
	verdict fail "as smith: $leak"
fi

START_TIME=$(psql_su -d demo -At -c "SELECT pg_postmaster_start_time()")
PM_PID=$(head -n 1 "$CLUSTER/data/postmaster.pid")
LOG_START=$(stat -c %s "$CLUSTER/server.log")

# The run.  sqlsmith writes its progress to stderr and, with
# --dump-all-queries, every query to stdout.
log "sqlsmith: seed $SEED, at most $QUERIES queries, $SECONDS_MAX s"
T0=$(date +%s)
as_postgres timeout --kill-after=10 "$SECONDS_MAX" sqlsmith \
	--target="host=$CLUSTER port=$PORT dbname=demo user=smith" \
	--exclude-catalog --seed="$SEED" --max-queries="$QUERIES" --verbose --dump-all-queries \
	>"$SUITE_DIR/queries.sql" 2>"$SUITE_DIR/sqlsmith.err"
rc=$?
T1=$(date +%s)
# each query ends with ";" at the end of a line
n_queries=$(grep -c ';$' "$SUITE_DIR/queries.sql")
echo "sqlsmith: exit status $rc after $((T1 - T0)) s, $n_queries queries generated (seed $SEED)"
tail -n 5 "$SUITE_DIR/sqlsmith.err" | tr '\r' '\n' | tail -n 5
[ "$n_queries" -ge 1000 ] && verdict ok "sqlsmith ran $n_queries queries" \
	|| verdict fail "sqlsmith ran only $n_queries queries (exit status $rc): $(tail -c 500 "$SUITE_DIR/sqlsmith.err")"

# 1. no crash
tail -c +"$((LOG_START + 1))" "$CLUSTER/server.log" >"$SUITE_DIR/run.log"
now_start=$(psql_su -d demo -At -c "SELECT pg_postmaster_start_time()" 2>&1)
if ! grep -qE 'terminated by signal|server process .* was terminated|all server processes terminated' "$SUITE_DIR/run.log" \
	&& [ "$now_start" = "$START_TIME" ] && [ "$(head -n 1 "$CLUSTER/data/postmaster.pid")" = "$PM_PID" ]; then
	verdict ok "no crash: the postmaster is the same and no backend died"
else
	verdict fail "a crash: $(grep -m3 -E 'terminated by signal|was terminated' "$SUITE_DIR/run.log")"
fi

# 2. no internal error in our code.  With log_error_verbosity = verbose each
# error has a LOCATION line (function, source file and line of the ereport
# or elog) and, inside SQL-language or PL/pgSQL functions, CONTEXT lines.  An
# internal error (SQLSTATE class XX) is ours when it was raised in one of our
# C files or while one of our SQL functions ran; others are PostgreSQL's own
# (e.g. elog() on a bad typmod passed to a core function), listed, not
# counted.
/usr/bin/perl -e '
	my ($log, $ours_out, $other_out) = @ARGV;
	open(my $fh, "<", $log) or die;
	open(my $o1, ">", $ours_out) or die; open(my $o2, ">", $other_out) or die;
	my (%cur, @groups);
	my $last;
	while (my $l = <$fh>) {
		if ($l =~ /^\d{4}-\d\d-\d\d [\d:.]+ \w+ \[(\d+)\] (\S+) \S* ?(ERROR|FATAL|PANIC|WARNING|LOG|NOTICE|DETAIL|HINT|CONTEXT|LOCATION|STATEMENT|QUERY):/) {
			my ($pid, $code, $level) = ($1, $2, $3);
			if ($level =~ /^(ERROR|FATAL|PANIC|WARNING|LOG|NOTICE)$/) {
				$cur{$pid} = { code => $code, text => $l };
				push @groups, $cur{$pid};
			} elsif ($cur{$pid}) {
				$cur{$pid}{text} .= $l;
			}
			$last = $cur{$pid};
		} elsif ($last) {
			$last->{text} .= $l;
		}
	}
	for my $g (@groups) {
		next unless $g->{code} =~ /^XX/ && $g->{text} =~ /(ERROR|FATAL|PANIC):/;
		my $ours = $g->{text} =~ /LOCATION:\s+\S+, (access_policy|cache|check|identity|invitations|planner_support|support)\.c:\d+/
			|| $g->{text} =~ /CONTEXT:.*access_policy\./s;
		print { $ours ? $o1 : $o2 } $g->{text}, "\n";
	}
' "$SUITE_DIR/run.log" "$SUITE_DIR/internal-ours.log" "$SUITE_DIR/internal-other.log"
n_ours=$(grep -cE ' XX[0-9A-Z]{3} [^ ]* (ERROR|FATAL|PANIC):' "$SUITE_DIR/internal-ours.log")
n_other=$(grep -cE ' XX[0-9A-Z]{3} [^ ]* (ERROR|FATAL|PANIC):' "$SUITE_DIR/internal-other.log")
if [ "$n_ours" -eq 0 ]; then
	verdict ok "no internal error (SQLSTATE class XX) raised in our code or while our functions ran"
else
	verdict fail "$n_ours internal errors in our code:"
	head -n 60 "$SUITE_DIR/internal-ours.log"
fi
if [ "$n_other" -gt 0 ]; then
	echo "sqlsmith: $n_other internal errors (class XX) inside PostgreSQL itself, not counted:"
	grep -E ' (XX[0-9A-Z]{3} [^ ]* (ERROR|FATAL|PANIC)|LOCATION):' "$SUITE_DIR/internal-other.log" | cut -c 1-200 | head -n 10
fi
n_errors=$(grep -cE ' (ERROR|FATAL):' "$SUITE_DIR/run.log")
echo "sqlsmith: $n_errors errors in the server log (random queries; by SQLSTATE):"
grep -oE '^[0-9-]+ [0-9:.]+ UTC \[[0-9]+\] [0-9A-Z]{5} [^ ]* ERROR' "$SUITE_DIR/run.log" | awk '{print $5}' \
	| sort | uniq -c | sort -rn | head -n 8

# 3a + 3b. no probe fired, no canary in any log line
probes=$(grep -c 'LEAK-PROBE saw' "$SUITE_DIR/run.log")
canary_lines=$(grep -v 'LEAK-PROBE saw' "$SUITE_DIR/run.log" | grep -c 'CANARY')
n_probe_calls=$(grep -cE 'leak_probe|@~@|<@~' "$SUITE_DIR/queries.sql")
echo "sqlsmith: $n_probe_calls generated queries call a leak probe"
if [ "$probes" -eq 0 ] && [ "$canary_lines" -eq 0 ]; then
	verdict ok "no leak probe fired and no server log line carries another org's data"
else
	verdict fail "leak: $probes probe warnings, $canary_lines log lines with CANARY"
	grep -m 10 'CANARY' "$SUITE_DIR/run.log"
fi

# 3c. replay the SELECTs as smith, looking at their output
/usr/bin/perl -e '
	my ($in, $out, $max) = @ARGV;
	local $/ = ";\n";
	open(my $fh, "<", $in) or die; open(my $o, ">", $out) or die;
	my $n = 0;
	while (my $q = <$fh>) {
		$q =~ s/;\n$//;
		next unless $q =~ /^\s*(select|with)\b/i;
		print $o "SELECT * FROM (\n$q\n) AS replay LIMIT 500;\n";
		last if ++$n >= $max;
	}
	print STDERR "$n\n";
' "$SUITE_DIR/queries.sql" "$SUITE_DIR/replay.sql" "$REPLAY" 2>"$SUITE_DIR/replay.count"
n_replay=$(cat "$SUITE_DIR/replay.count")
PGOPTIONS="-c statement_timeout=2s" as_postgres "$PG_BINDIR/psql" -X -At -h "$CLUSTER" -p "$PORT" -U smith -d demo \
	-f "$SUITE_DIR/replay.sql" >"$SUITE_DIR/replay.out" 2>"$SUITE_DIR/replay.err"
n_rows=$(wc -l <"$SUITE_DIR/replay.out")
n_replay_err=$(grep -c 'ERROR:' "$SUITE_DIR/replay.err")
echo "sqlsmith: replayed $n_replay SELECTs as smith: $n_rows output lines, $n_replay_err errors or timeouts"
if ! grep -q CANARY "$SUITE_DIR/replay.out" "$SUITE_DIR/replay.err" && [ "$n_rows" -gt 0 ]; then
	verdict ok "no replayed query showed smith another org's data"
else
	verdict fail "replayed queries showed canaries (or no output at all, $n_rows lines)"
	grep -m 5 CANARY "$SUITE_DIR/replay.out" "$SUITE_DIR/replay.err"
fi
# the replay looked at tenant rows at all
if grep -q -E 'visible (body|page note)|note [0-9]' "$SUITE_DIR/replay.out"; then
	verdict ok "the replayed output includes smith's own tenant rows"
else
	verdict fail "the replayed output has none of smith's own tenant rows: the replay proves nothing"
fi

stop_cluster "$CLUSTER"
echo "sqlsmith: $((T1 - T0)) s of sqlsmith"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
