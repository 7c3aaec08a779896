# test/t/005_crash_recovery.pl -- kill -9 in the middle of administration transactions
#
# Why this test exists: the policy data, its audit log
# and the answers of the checks must agree after any crash.  The audit rows
# are written by triggers in the same transaction as the change, and the
# checks read cached state that every backend rebuilds; a design that kept
# audit rows or policy state anywhere outside the transaction (a queue, a
# file, shared memory, a cache that survives a crash-restart) would lose
# committed changes, keep uncommitted ones, or answer from stale state after
# recovery.  Two crashes, each while administration transactions are open
# (one idle in its transaction after several administration calls, one in
# the middle of a statement writing many changes):
#   1. kill -9 of one backend: the postmaster terminates every backend and
#      reinitializes (crash-restart, without a new postmaster);
#   2. kill -9 of the postmaster, after a CHECKPOINT and further committed
#      changes: the next start replays the WAL (crash recovery), so the
#      changes committed after the checkpoint survive only through the WAL.
# After each: every committed change is there, no uncommitted one is; the
# killed transactions are aborted and left no audit row; for every audited
# table the last audited state of each row equals the row (and no row lacks
# an audit row); every check (can() for every user, org and permission, and
# orgs_with() for every user and permission) equals the SQL reference model
# test/reference/reference.sql, plus a few answers written out by hand.

use strict;
use warnings;

use File::Basename qw(dirname);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $root = $ENV{TESTDIR} // dirname(__FILE__) . '/../..';
my $reference = "$root/test/reference/reference.sql";
-e $reference or BAIL_OUT("no reference model at $reference");

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
# WAL is flushed at commit; no checkpoint happens by itself during the test
$node->append_conf(
	'postgresql.conf', qq{
fsync = on
synchronous_commit = on
restart_after_crash = on
checkpoint_timeout = '1h'
max_wal_size = '1GB'
shared_buffers = 32MB
max_connections = 20
});
$node->start;

# The world: org 1 (Root) with children 2 (Sales) and 3 (Support), org 4 a
# separate root.  alice is Admin at 1 and does every administration step.
$node->safe_psql(
	'postgres', q{
	CREATE EXTENSION access_policy;
	SELECT access_policy.create_org('Root', NULL, 1);
	SELECT access_policy.create_org('Sales', 1, 2);
	SELECT access_policy.create_org('Support', 1, 3);
	SELECT access_policy.create_org('Elsewhere', NULL, 4);
	SELECT access_policy.create_user(u, u || '@example.com', initcap(u))
	  FROM unnest(ARRAY['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) u;
	SELECT access_policy.create_user('sam', 'sam@vendor.example', 'Sam', is_support_staff => true);
	SELECT access_policy.assign_role('alice', 1, 'Admin');
	SELECT access_policy.assign_role('alice', 4, 'Admin');
	-- explicit ids above; new orgs get ids from the sequence
	SELECT setval('access_policy.orgs_id_seq', 100);
});
$node->safe_psql('postgres', "\\set ON_ERROR_STOP 1\n\\i $reference");

# crash_check.audit_mismatches(): for every audited table with a key, the
# last audit row of each key must describe the row as it is (or its
# deletion), and every row must have an audit row.
# crash_check.check_mismatches(): every can() and orgs_with() answer that
# differs from the reference, for every user.
$node->safe_psql(
	'postgres', q{
CREATE SCHEMA crash_check;
CREATE FUNCTION crash_check.audit_mismatches() RETURNS SETOF text
LANGUAGE plpgsql AS $f$
DECLARE
	t text;
	k text;
BEGIN
	FOR t, k IN VALUES ('users', 'id'), ('orgs', 'id'), ('roles', 'id'), ('assignments', 'id'),
					   ('resources', 'id'), ('resource_grants', 'id'), ('support_settings', 'org_id'),
					   ('support_overrides', 'org_id'), ('invitations', 'id') LOOP
		RETURN QUERY EXECUTE format($q$
			WITH last AS (
				SELECT DISTINCT ON (a.target_id) a.target_id, a.action, a.after
				  FROM access_policy.audit_log a
				 WHERE a.target_table = %L
				 ORDER BY a.target_id, a.id DESC),
			cur AS (SELECT x.%I::text AS k, to_jsonb(x) AS j FROM access_policy.%I x
					 WHERE %L <> 'roles' OR to_jsonb(x) ->> 'org_id' IS NOT NULL)
			SELECT %L || ' ' || COALESCE(l.target_id, c.k) || ': ' ||
				   CASE WHEN l.target_id IS NULL THEN 'row without audit row'
						WHEN c.k IS NULL THEN 'audited ' || l.action || ' but no row'
						WHEN l.action = 'delete' THEN 'audited delete but the row is there'
						ELSE 'row differs from its last audited state' END
			  FROM last l FULL JOIN cur c ON c.k = l.target_id
			 WHERE l.target_id IS NULL OR (c.k IS NULL) <> (l.action = 'delete')
				OR (c.k IS NOT NULL AND c.j <> l.after)$q$, t, k, t, t, t);
	END LOOP;
END;
$f$;
CREATE FUNCTION crash_check.check_mismatches(OUT n_checks int, OUT n_positive int, OUT mismatches text[])
LANGUAGE plpgsql AS $f$
DECLARE
	u text;
	o bigint;
	p text;
	e text;
	r text;
BEGIN
	n_checks := 0;
	n_positive := 0;
	mismatches := '{}';
	FOR u IN SELECT x.id FROM access_policy.users x ORDER BY 1 LOOP
		PERFORM access_policy.set_user(u);
		FOR o, p IN SELECT x.id, y.name FROM access_policy.orgs x, access_policy.permissions y ORDER BY 1, 2 LOOP
			e := access_policy.can(o, p)::text;
			r := ap_ref.can(u, o, p, statement_timestamp())::text;
			n_checks := n_checks + 1;
			n_positive := n_positive + (e = 'true')::int;
			IF e IS DISTINCT FROM r THEN
				mismatches := mismatches || format('%s: can(%s, %s) engine %s reference %s', u, o, p, e, r);
			END IF;
		END LOOP;
		FOR p IN SELECT y.name FROM access_policy.permissions y ORDER BY 1 LOOP
			e := access_policy.orgs_with(p)::text;
			r := ap_ref.orgs_with(u, p, statement_timestamp())::text;
			n_checks := n_checks + 1;
			IF e IS DISTINCT FROM r THEN
				mismatches := mismatches || format('%s: orgs_with(%s) engine %s reference %s', u, p, e, r);
			END IF;
		END LOOP;
	END LOOP;
	PERFORM access_policy.clear_user();
END;
$f$;
});

# Administration as alice, committed.
sub as_alice
{
	my ($sql) = @_;
	return $node->safe_psql('postgres',
		"BEGIN;\nSELECT access_policy.set_user('alice');\n$sql\nCOMMIT;");
}

# One check as a user, in a fresh connection.
sub check_as
{
	my ($user, $expr) = @_;
	return $node->safe_psql('postgres',
		"BEGIN;\nSELECT access_policy.set_user('$user') \\g /dev/null\nSELECT $expr;\nCOMMIT;");
}

# The verdicts after a crash.
sub verify_state
{
	my ($label, $xids, $present, $absent) = @_;

	# A killed transaction is aborted; or, if none of its WAL reached the
	# disk, the server never heard of its id (the id is then handed out
	# again: this runs before anything writes).
	my $xlist = join(',', map { "'$_'::xid8" } @$xids);
	my $status = $node->safe_psql('postgres',
		"SELECT string_agg(x::text || '=' || CASE WHEN x >= pg_snapshot_xmax(pg_current_snapshot()) THEN 'unknown'
												  ELSE pg_xact_status(x) END, ',')
		   FROM unnest(ARRAY[$xlist]) x");
	note("$label: killed transactions: $status");
	ok($status =~ /^(\d+=(aborted|unknown),?)+$/, "$label: the killed transactions did not commit")
	  or diag($status);
	is( $node->safe_psql('postgres',
			"SELECT count(*) FROM access_policy.audit_log WHERE xact_id = ANY (ARRAY[$xlist])"),
		'0', "$label: the killed transactions left no audit row");

	is($node->safe_psql('postgres', 'SELECT string_agg(m, E\'\n\') FROM crash_check.audit_mismatches() m'),
		'', "$label: the audit log agrees with every audited table");

	for my $q (@$present)
	{
		is($node->safe_psql('postgres', "SELECT count(*) > 0 FROM ($q->[1]) x"),
			't', "$label: committed: $q->[0]");
	}
	for my $q (@$absent)
	{
		is($node->safe_psql('postgres', "SELECT count(*) FROM ($q->[1]) x"),
			'0', "$label: not committed, not there: $q->[0]");
	}

	my ($n, $pos, $mism) = split /\|/,
	  $node->safe_psql('postgres',
		"SELECT n_checks, n_positive, array_to_string(mismatches, E'\n') FROM crash_check.check_mismatches()");
	$mism //= '';
	ok($n > 500 && $pos > 20, "$label: $n checks compared ($pos positive)");
	is($mism, '', "$label: every can() and orgs_with() answer equals the reference model");
}

# A background session that is in the middle of an administration
# transaction: returns the session, its backend pid and its transaction id.
sub open_admin_xact
{
	my ($sql) = @_;
	my $s = $node->background_psql('postgres', on_error_stop => 1);
	$s->query_safe("BEGIN");
	$s->query_safe("SELECT access_policy.set_user('alice')");
	$s->query_safe($sql);
	my $pid = $s->query_safe("SELECT pg_backend_pid()");
	my $xid = $s->query_safe("SELECT pg_current_xact_id()");
	chomp($pid, $xid);
	return ($s, $pid, $xid);
}

# A background session busy in one long statement that keeps writing
# administration changes (orgs under org 4, frank's role there: nothing the
# idle transactions hold locks on) until it is killed.
sub start_busy_writer
{
	my ($prefix) = @_;
	my $s = $node->background_psql('postgres', on_error_stop => 1);
	$s->query_safe("BEGIN");
	my $pid = $s->query_safe("SELECT pg_backend_pid()");
	my $xid = $s->query_safe("SELECT pg_current_xact_id()");
	chomp($pid, $xid);
	$s->query_until(
		qr/busy/, qq{\\echo busy
DO \$\$BEGIN
	PERFORM access_policy.set_user('alice');
	FOR i IN 1 .. 1000000 LOOP
		PERFORM access_policy.create_org('$prefix ' || i, 4);
		PERFORM access_policy.assign_role('frank', 4, 'Viewer');
		PERFORM access_policy.revoke_role('frank', 4, 'Viewer');
	END LOOP;
END\$\$;
});
	# let it write a good number of uncommitted changes; it is still
	# running, and writing (the WAL grows while nothing else runs)
	usleep(2_000_000);
	my $lsn = $node->safe_psql('postgres', 'SELECT pg_current_wal_insert_lsn()');
	usleep(1_000_000);
	is( $node->safe_psql('postgres',
			"SELECT state || ',' || (pg_current_wal_insert_lsn() - '$lsn'::pg_lsn > 10000)
			   FROM pg_stat_activity WHERE pid = $pid AND wait_event_type IS DISTINCT FROM 'Lock'"),
		'active,true', "$prefix: the writer is in the middle of its statement, writing")
	  or diag($node->safe_psql('postgres',
			"SELECT string_agg(format('%s %s %s %s blocked by %s', a.pid, a.state, a.wait_event_type, a.wait_event,
									  pg_blocking_pids(a.pid)), E'\\n')
			   FROM pg_stat_activity a WHERE a.backend_type = 'client backend'"));
	return ($s, $pid, $xid);
}

sub quit_dead_session
{
	my ($s) = @_;
	eval { $s->quit; };
	return;
}

###########################################################################
# 1. kill -9 of a backend during administration transactions
###########################################################################

as_alice(q{
	SELECT access_policy.assign_role('bob', 2, 'Editor');
	-- only the system chooses org ids: the sequence gives Sales EU id 5
	SELECT setval('access_policy.orgs_id_seq', 4);
	SELECT access_policy.create_org('Sales EU', 2);
	SELECT setval('access_policy.orgs_id_seq', 100);
	SELECT access_policy.set_support_access(2, 'write', 'ticket 1');
});
my $token = as_alice("SELECT access_policy.invite(2, 'erin\@example.com', 'Viewer');");
$token =~ s/\s+//g;
$node->safe_psql('postgres',
	"BEGIN; SELECT access_policy.set_user('erin'); SELECT access_policy.accept_invitation('$token'); COMMIT;");

my ($s1, $pid1, $xid1) = open_admin_xact(q{
	SELECT access_policy.assign_role('carol', 2, 'Editor');
	SELECT access_policy.create_org('Ghost');	-- a root (a child would take the org tree lock)
	SELECT access_policy.set_support_access(3, 'write', 'never committed');
	SELECT access_policy.revoke_role('bob', 2, 'Editor');
	SELECT access_policy.set_member_enabled('erin', 2, false);
});
my ($s2, $pid2, $xid2) = start_busy_writer('crash1');

my $log_offset = -s $node->logfile;
note("killing backend $pid1 with SIGKILL");
kill 9, $pid1;
$node->poll_query_until('postgres', 'SELECT 1', '1')
  or die "the server did not come back after the backend crash";
ok( $node->log_contains(
		# "client backend (PID n)" since PostgreSQL 18, "server process (PID n)" before
		"(?:server process|client backend) \\(PID $pid1\\) was terminated by signal 9", $log_offset),
	'backend kill: the postmaster saw the crash');
ok($node->log_contains('all server processes terminated; reinitializing', $log_offset),
	'backend kill: every backend was terminated and the server reinitialized');
quit_dead_session($_) for ($s1, $s2);

verify_state(
	'backend kill',
	[ $xid1, $xid2 ],
	[
		[ "bob's Editor role at Sales", "SELECT 1 FROM access_policy.assignments a JOIN access_policy.roles r ON r.id = a.role_id WHERE a.user_id = 'bob' AND a.org_id = 2 AND r.name = 'Editor' AND a.enabled" ],
		[ 'org Sales EU', 'SELECT 1 FROM access_policy.orgs WHERE id = 5 AND parent_id = 2' ],
		[ 'write support access at Sales', "SELECT 1 FROM access_policy.support_settings WHERE org_id = 2 AND level = 'write'" ],
		[ "erin's accepted invitation and membership", "SELECT 1 FROM access_policy.invitations i JOIN access_policy.assignments a ON a.user_id = i.accepted_by AND a.org_id = i.org_id WHERE i.accepted_by = 'erin' AND a.enabled" ],
	],
	[
		[ "carol's role", "SELECT 1 FROM access_policy.assignments WHERE user_id = 'carol'" ],
		[ 'org Ghost', "SELECT 1 FROM access_policy.orgs WHERE name = 'Ghost'" ],
		[ 'support access at Support', 'SELECT 1 FROM access_policy.support_settings WHERE org_id = 3' ],
		[ "the busy writer's orgs", "SELECT 1 FROM access_policy.orgs WHERE name LIKE 'crash1 %'" ],
		[ "frank's roles", "SELECT 1 FROM access_policy.assignments WHERE user_id = 'frank'" ],
	]);
is(check_as('bob', "access_policy.can(5, 'responses.write')"), 't', 'backend kill: bob writes at Sales EU');
is(check_as('carol', "access_policy.can(2, 'responses.view')"), 'f', 'backend kill: carol holds nothing');
is(check_as('erin', "access_policy.can(2, 'responses.view')"), 't', 'backend kill: erin (enabled member) views Sales');
is(check_as('sam', "access_policy.can(2, 'responses.write') AND NOT access_policy.can(3, 'responses.write')"),
	't', 'backend kill: support staff write at Sales only');

###########################################################################
# 2. kill -9 of the postmaster: crash recovery from the last checkpoint
###########################################################################

$node->safe_psql('postgres', 'CHECKPOINT');
my $redo = $node->safe_psql('postgres', 'SELECT redo_lsn FROM pg_control_checkpoint()');

# committed after the checkpoint: on disk only in the WAL
as_alice(q{
	SELECT access_policy.assign_role('dave', 2, 'Viewer');
	SELECT access_policy.create_role(1, 'Auditor', '{reviews.view,responses.view}');
	SELECT access_policy.assign_role('carol', 3, 'Auditor', expires_at => now() + interval '1 day');
	SELECT access_policy.change_role('bob', 2, 'Viewer');
	SELECT access_policy.set_member_enabled('erin', 2, false);
	SELECT access_policy.set_support_access(2, 'read', 'ticket 2');
});
ok( $node->safe_psql('postgres', "SELECT pg_current_wal_insert_lsn() > '$redo'::pg_lsn"),
	'postmaster kill: the committed changes lie after the last checkpoint');

my ($s3, $pid3, $xid3) = open_admin_xact(q{
	SELECT access_policy.remove_member('dave', 2);
	SELECT access_policy.assign_role('frank', 1, 'Admin');
	SELECT access_policy.delete_role((SELECT id FROM access_policy.roles WHERE name = 'Auditor'), cascade => true);
	SELECT access_policy.set_support_access(1, 'none');
});
my ($s4, $pid4, $xid4) = start_busy_writer('crash2');

# every server process but the postmaster (backends and auxiliary processes)
my @pids = split /\n/, $node->safe_psql('postgres', 'SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()');
my $pm_pid = $node->{_pid};
$log_offset = -s $node->logfile;
$node->kill9;
# Idle children notice that the postmaster is gone and exit; a backend busy
# in a statement does not look until it waits, so the busy writer (and any
# other survivor) is killed as well, as a power loss would.  The next start
# needs their shared memory released.
usleep(1_000_000);
my @survivors = grep { kill 0, $_ } @pids;
note('killing survivors: ' . join(' ', @survivors));
kill 9, @survivors if @survivors;
for my $i (1 .. 300)
{
	last unless grep { kill 0, $_ } ($pm_pid, @pids);
	usleep(100_000);
}
ok(!(grep { kill 0, $_ } ($pm_pid, @pids)), 'postmaster kill: every server process is gone');
quit_dead_session($_) for ($s3, $s4);
$node->start;
ok($node->log_contains('database system was interrupted', $log_offset)
	  && $node->log_contains('redo starts at', $log_offset),
	'postmaster kill: the start ran crash recovery (WAL replay)');

verify_state(
	'postmaster kill',
	[ $xid3, $xid4 ],
	[
		[ "dave's Viewer role", "SELECT 1 FROM access_policy.assignments a JOIN access_policy.roles r ON r.id = a.role_id WHERE a.user_id = 'dave' AND a.org_id = 2 AND r.name = 'Viewer'" ],
		[ 'custom role Auditor', "SELECT 1 FROM access_policy.roles WHERE name = 'Auditor' AND org_id = 1" ],
		[ "carol's Auditor role", "SELECT 1 FROM access_policy.assignments a JOIN access_policy.roles r ON r.id = a.role_id WHERE a.user_id = 'carol' AND r.name = 'Auditor' AND a.expires_at < 'infinity'" ],
		[ "bob is a Viewer at Sales, and nothing else there", "SELECT 1 FROM (SELECT array_agg(r.name) AS roles FROM access_policy.assignments a JOIN access_policy.roles r ON r.id = a.role_id WHERE a.user_id = 'bob' AND a.org_id = 2) x WHERE roles = '{Viewer}'" ],
		[ "erin disabled", "SELECT 1 FROM access_policy.assignments WHERE user_id = 'erin' AND org_id = 2 AND NOT enabled" ],
		[ 'read support access at Sales', "SELECT 1 FROM access_policy.support_settings WHERE org_id = 2 AND level = 'read'" ],
	],
	[
		[ "frank's roles", "SELECT 1 FROM access_policy.assignments WHERE user_id = 'frank'" ],
		[ 'support setting at Root', 'SELECT 1 FROM access_policy.support_settings WHERE org_id = 1' ],
		[ "the busy writer's orgs", "SELECT 1 FROM access_policy.orgs WHERE name LIKE 'crash2 %'" ],
	]);
is(check_as('bob', "access_policy.can(2, 'responses.view') AND NOT access_policy.can(2, 'responses.write')"),
	't', 'postmaster kill: bob (now Viewer) views but does not write at Sales');
is(check_as('carol', "access_policy.orgs_with('reviews.view')::text"), '{3}', 'postmaster kill: carol (Auditor) at Support only');
is(check_as('erin', "access_policy.can(2, 'responses.view')"), 'f', 'postmaster kill: erin (disabled) holds nothing');
is(check_as('sam', "access_policy.can(2, 'responses.view') AND NOT access_policy.can(2, 'responses.write')"),
	't', 'postmaster kill: support staff read at Sales');
is(check_as('frank', "access_policy.orgs_with('responses.view')::text"), '{}', 'postmaster kill: frank holds nothing');

$node->stop;
done_testing();
