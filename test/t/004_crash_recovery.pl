# test/t/004_crash_recovery.pl -- kill -9 in the middle of administration
#
# Why this test exists: access_policy keeps its state in
# tables and its audit rows are written by triggers in the same transaction,
# so crash recovery must leave the data and the audit log in agreement, and
# the per-backend caches (rebuilt in new backends) must answer from the
# recovered data.  Two faults: SIGKILL of a backend holding an open
# administration transaction (the postmaster then resets every backend), and
# SIGKILL of the postmaster itself with administration transactions open and
# committed changes not yet checkpointed.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', "restart_after_crash = on\n");
$node->start;
$node->safe_psql(
	'postgres', q{
	CREATE EXTENSION access_policy;
	SELECT access_policy.create_org('Crash Root', NULL, 1);
	SELECT access_policy.create_org('Crash Child', 1, 2);
	SELECT access_policy.create_user(u) FROM unnest(ARRAY['c_admin', 'c_one', 'c_two', 'c_three', 'c_four', 'c_five']) u;
	SELECT access_policy.assign_role('c_admin', 1, 'Admin');
	SELECT access_policy.assign_role('c_five', 1, 'Viewer');
	CHECKPOINT;
});

# every assignment has exactly one insert audit row and no delete audit row,
# and every audited, not deleted assignment exists
my $agree = q{
	SELECT (SELECT count(*) FROM access_policy.assignments a
			 WHERE (SELECT count(*) FROM access_policy.audit_log l
					 WHERE l.target_table = 'assignments' AND l.action = 'insert' AND l.target_id = a.id::text) <> 1)
		 + (SELECT count(*) FROM access_policy.audit_log l
			 WHERE l.target_table = 'assignments' AND l.action = 'insert'
			   AND NOT EXISTS (SELECT 1 FROM access_policy.audit_log d
							   WHERE d.target_table = 'assignments' AND d.action = 'delete' AND d.target_id = l.target_id)
			   AND NOT EXISTS (SELECT 1 FROM access_policy.assignments a WHERE a.id::text = l.target_id))
};
sub can_of
{
	my ($user, $org, $perm) = @_;
	$perm //= 'responses.write';
	return $node->safe_psql('postgres',
		"BEGIN; SELECT access_policy.set_user('$user'); SELECT access_policy.can($org, '$perm'); COMMIT;")
	  =~ s/^\s+//r;
}

# --- 1. SIGKILL of a backend in an open administration transaction ---
my $victim = $node->background_psql('postgres', on_error_stop => 0);
my $pid = $victim->query_safe('SELECT pg_backend_pid()');
$victim->query_safe(q{BEGIN});
$victim->query_safe(q{SELECT access_policy.assign_role('c_one', 2, 'Editor')});
$victim->query_safe(q{SELECT access_policy.create_org('Never', 1, 3)});
# a committed change by another session just before
$node->safe_psql('postgres', q{SELECT access_policy.assign_role('c_two', 2, 'Editor')});
is(can_of('c_two', 2), 't', 'before the crash: the committed grant works');

kill 'KILL', $pid;
eval { $victim->quit; };
# the postmaster resets every backend and recovers; wait until it accepts again
my $up = 0;
for (1 .. 300)
{
	my ($ret) = $node->psql('postgres', 'SELECT 1');
	if ($ret == 0) { $up = 1; last; }
	sleep 0.1;
}
ok($up, 'the server accepts connections again after the backend was killed');
like(slurp_file($node->logfile), qr/terminated by signal 9/, 'the kill was a crash (the postmaster reset all backends)');

is($node->safe_psql('postgres', q{SELECT count(*) FROM access_policy.assignments WHERE user_id = 'c_one'}), '0',
	'the killed transaction\'s grant is not there');
is($node->safe_psql('postgres', q{SELECT count(*) FROM access_policy.orgs WHERE id = 3}), '0',
	'nor its org');
is($node->safe_psql('postgres', q{SELECT count(*) FROM access_policy.audit_log WHERE (target_table = 'assignments' AND after ->> 'user_id' = 'c_one') OR (target_table = 'orgs' AND target_id = '3')}), '0',
	'nor any audit row of it');
is($node->safe_psql('postgres', $agree), '0', 'assignments and the audit log agree');
is(can_of('c_one', 2), 'f', 'a new backend: c_one holds nothing');
is(can_of('c_two', 2), 't', 'c_two keeps the committed grant');

# --- 2. SIGKILL of the postmaster, with open and unflushed work ---
$node->safe_psql('postgres', q{CHECKPOINT});
my $open = $node->background_psql('postgres', on_error_stop => 0);
$open->query_safe(q{BEGIN});
$open->query_safe(q{SELECT access_policy.assign_role('c_three', 1, 'Viewer')});
$open->query_safe(q{SELECT access_policy.revoke_role('c_two', 2, 'Editor')});
# committed after the last checkpoint: only the WAL has it
$node->safe_psql('postgres', q{
	SELECT access_policy.assign_role('c_four', 2, 'Editor');
	SELECT access_policy.set_assignment(id, enabled => false) FROM access_policy.assignments WHERE user_id = 'c_five';
});
$node->kill9;
eval { $open->quit; };
# the orphaned backends notice the postmaster's death and exit
sleep 2;
$node->start;
like(slurp_file($node->logfile), qr/not properly shut down; automatic recovery in progress/,
	'the restart after SIGKILL of the postmaster ran crash recovery');
is($node->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 'f', 'and the server is open for writes');

is(can_of('c_five', 1, 'responses.view'), 'f', 'checks follow the recovered data');
is(can_of('c_four', 2), 't', 'a change committed after the last checkpoint survives');
is($node->safe_psql('postgres', q{SELECT enabled FROM access_policy.assignments WHERE user_id = 'c_five'}), 'f',
	'so does the disabled assignment');
is(can_of('c_admin', 1), 't', 'the admin is untouched');
is($node->safe_psql('postgres', q{SELECT count(*) FROM access_policy.assignments WHERE user_id = 'c_three'}), '0',
	'the open transaction\'s grant is gone');
is(can_of('c_two', 2), 't', 'and its revocation never happened');
is($node->safe_psql('postgres', $agree), '0', 'assignments and the audit log agree after recovery');
is($node->safe_psql('postgres', q{SELECT count(*) FROM access_policy.audit_log WHERE target_table = 'assignments' AND action = 'update'}), '1',
	'exactly one audited update (the committed disable)');

# the audit log is still append-only and the engine still writes it
$node->safe_psql('postgres', q{SELECT access_policy.assign_role('c_three', 2, 'Viewer')});
is($node->safe_psql('postgres', $agree), '0', 'a grant after recovery is audited like before');
my ($ret, $out, $err) = $node->psql('postgres', q{DELETE FROM access_policy.audit_log});
like($err, qr/append-only/, 'the audit log is still append-only');

done_testing();
