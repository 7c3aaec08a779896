# test/t/002_deep_tree.pl -- a chain of 10,000 orgs and one of 10,000 resources
#
# Why this test exists: everything in access_policy walks trees -- a check
# walks from an org up to the root, orgs_with() and resources_with() walk down,
# the cycle guard walks up from the new parent, delete_org(cascade) collects a
# whole subtree.  Real trees are shallow, so a recursive walk in C, a fixed-size
# path buffer or a quadratic loop would pass every other test and then crash
# the backend (stack overflow takes the whole server through recovery), error
# out, or hang on the first customer who nests deeply or on a malicious chain
# built through create_org().  10,000 levels is far deeper than any real tree
# and puts 10,000 frames on the stack of a walk that recurses per level.  The
# test asks for correct answers at the bottom, refused cycles, a legal deep
# move, and a cascading delete of the whole chain, and checks that no backend
# crashed.  It runs on its own node because the world is large.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $N = 10000;

my $node = PostgreSQL::Test::Cluster->new('deep');
$node->init;
$node->append_conf('postgresql.conf', "shared_buffers = 64MB\n");
$node->start;

my $t0 = time;

# The chain: org 1 is the root, org k+1 is a child of org k, org 10000 the
# leaf; org 20000 is a separate root.  Resources 1..10000 form a chain in
# the leaf org, resource 1 at the top.
$node->safe_psql(
	'postgres', qq{
	CREATE EXTENSION access_policy;
	INSERT INTO access_policy.orgs (id, name, parent_id)
	SELECT g, 'deep ' || g, NULLIF(g - 1, 0) FROM generate_series(1, $N) g;
	SELECT access_policy.create_org('Partner', NULL, 20000);
	SELECT access_policy.create_resource_kind('deep_page');
	SELECT access_policy.set_kind_action('deep_page', 'open', ARRAY['responses.view']);
	INSERT INTO access_policy.resources (id, org_id, parent_id, kind, name)
	SELECT g, $N, NULLIF(g - 1, 0), 'deep_page', 'page ' || g FROM generate_series(1, $N) g;
	SELECT access_policy.create_user(u) FROM unnest(ARRAY['deep_viewer', 'deep_editor', 'deep_guest', 'deep_nobody']) u;
	SELECT access_policy.assign_role('deep_viewer', 1, 'Viewer');       -- at the root
	SELECT access_policy.assign_role('deep_editor', $N / 2, 'Editor');  -- half way down
	SELECT access_policy.assign_role('deep_guest', 20000, 'Viewer');    -- elsewhere
	SELECT access_policy.grant_resource(1, 'Viewer', ARRAY[20000]::bigint[]);
	-- as autovacuum would have by now: without statistics the recursive CTEs
	-- in delete_org() scan every org once per level (quadratic, ~30 s here)
	ANALYZE access_policy.orgs, access_policy.resources;
});
note(sprintf('world built in %.1f s', time - $t0));

# Run one query as a user (in its own transaction) and return its output,
# or the error instead, so that a failing check names it.
sub as_user
{
	my ($user, $sql) = @_;
	my ($ret, $out, $err) = $node->psql('postgres',
		"BEGIN;\nSELECT access_policy.set_user('$user') \\gset\n$sql\nCOMMIT;");
	return $ret == 0 ? $out : "failed: $err";
}

# an array literal of lo..hi
sub range_array
{
	my ($lo, $hi) = @_;
	return '{' . join(',', $lo .. $hi) . '}';
}

my $half = $N / 2;
$t0 = time;

# checks at the bottom of the chain
is( as_user('deep_viewer',
		"SELECT access_policy.can($N, 'responses.view'), access_policy.can($N, 'responses.write'), access_policy.can(1, 'responses.view');"),
	't|f|t',
	'viewer at the root: may view at the leaf, 9,999 levels down; may not write');
is( as_user('deep_editor',
		"SELECT access_policy.can($N, 'responses.write'), access_policy.can($half, 'responses.write'), "
		  . "access_policy.can($half - 1, 'responses.write'), access_policy.can(1, 'responses.view');"),
	't|t|f|f',
	'editor half way down: writes at and below org 5000, not above it');
is( as_user('deep_nobody', "SELECT access_policy.can($N, 'responses.view');"),
	'f', 'nobody: nothing at the leaf');

# orgs_with: every org of the chain, sorted
is(as_user('deep_viewer', "SELECT access_policy.orgs_with('responses.view');"),
	range_array(1, $N), 'orgs_with: the viewer sees all 10,000 orgs, sorted');
is(as_user('deep_editor', "SELECT access_policy.orgs_with('responses.write');"),
	range_array($half, $N), 'orgs_with: the editor writes in orgs 5000..10000');
is(as_user('deep_nobody', "SELECT access_policy.orgs_with('responses.view');"),
	'{}', 'orgs_with: nobody sees nothing');

# the resource chain, reached through a grant on its top from another tree
is( as_user('deep_guest',
		"SELECT access_policy.can_resource($N, 'responses.view'), access_policy.can_action($N, 'open'), "
		  . "access_policy.can_resource($N, 'responses.write'), access_policy.can($N, 'responses.view');"),
	't|t|f|f',
	'guest: the grant on resource 1 reaches resource 10000; no org access');
is(as_user('deep_guest', "SELECT access_policy.resources_with(1, 'responses.view');"),
	range_array(1, $N), 'resources_with: all 10,000 resources below the top');
is(as_user('deep_guest', "SELECT access_policy.resources_allowing($half, 'open');"),
	range_array($half, $N), 'resources_allowing from the middle: 5000..10000');
is( as_user('deep_viewer',
		"SELECT access_policy.can_resource($N, 'responses.view'), cardinality(access_policy.resources_with(1, 'responses.view'));"),
	"t|$N", 'viewer: every resource of the leaf org through the org path');
is(as_user('deep_nobody', "SELECT access_policy.resources_with(1, 'responses.view');"),
	'{}', 'resources_with: nobody sees nothing');
note(sprintf('checks in %.1f s', time - $t0));
$t0 = time;

# cycles through the whole depth are refused, whichever way they are tried
my ($ret, $out, $err) = $node->psql('postgres', "SELECT access_policy.move_org(1, $N);");
isnt($ret, 0, 'move_org(root under leaf) fails');
like($err, qr/moving org 1 under org $N would create a cycle/, 'move_org(root under leaf): the cycle error');
($ret, $out, $err) = $node->psql('postgres', "UPDATE access_policy.orgs SET parent_id = $N WHERE id = 1;");
like($err, qr/would create a cycle/, 'UPDATE root under leaf: the cycle error');
($ret, $out, $err) = $node->psql('postgres', "SELECT access_policy.move_org($half, $N - 1);");
like($err, qr/moving org $half under org @{[$N - 1]} would create a cycle/, 'middle under its deep descendant: the cycle error');
($ret, $out, $err) = $node->psql('postgres', "SELECT access_policy.move_org($N, $N);");
like($err, qr/would create a cycle/, 'the leaf under itself: the cycle error');
is($node->safe_psql('postgres', 'SELECT parent_id IS NULL FROM access_policy.orgs WHERE id = 1'),
	't', 'the root is still a root');

# a legal deep move: the leaf directly under the root, then back
$node->safe_psql('postgres', "SELECT access_policy.move_org($N, 1);");
is( as_user('deep_editor',
		"SELECT access_policy.can($N, 'responses.write'), cardinality(access_policy.orgs_with('responses.write'));"),
	"f|$half",
	'after moving the leaf under the root it is outside the editor\'s subtree');
is(as_user('deep_viewer', "SELECT access_policy.can($N, 'responses.view');"),
	't', 'and still inside the viewer\'s');
$node->safe_psql('postgres', "SELECT access_policy.move_org($N, $N - 1);");
is(as_user('deep_editor', "SELECT access_policy.can($N, 'responses.write');"),
	't', 'moved back: the editor writes at the leaf again');
note(sprintf('moves in %.1f s', time - $t0));
$t0 = time;

# delete the whole chain: 10,000 orgs, 10,000 resources, their assignments and grant
$node->safe_psql('postgres', 'SELECT access_policy.delete_org(1, cascade => true);');
note(sprintf('delete_org(cascade) in %.1f s', time - $t0));
is( $node->safe_psql(
		'postgres', qq{
	SELECT (SELECT count(*) FROM access_policy.orgs),
		   (SELECT count(*) FROM access_policy.resources),
		   (SELECT count(*) FROM access_policy.assignments),
		   (SELECT count(*) FROM access_policy.resource_grants)}),
	'1|0|1|0',
	'delete_org(cascade): only the partner org and its assignment are left');
is( as_user('deep_viewer',
		"SELECT access_policy.can($N, 'responses.view'), access_policy.orgs_with('responses.view'), access_policy.resources_with(1, 'responses.view');"),
	'f|{}|{}', 'after the delete: the viewer holds nothing');
is( as_user('deep_guest',
		"SELECT access_policy.can_resource($N, 'responses.view'), access_policy.orgs_with('responses.view');"),
	'f|{20000}', 'after the delete: the guest keeps only the partner org');

# A tree that never ends: a cycle.  The guard must refuse one however it is
# written; a cycle that is in the data anyway (planted with triggers off, as
# a restore with --disable-triggers or session_replication_role = replica
# could) must give the documented error, not spin or exhaust memory.
($ret, $out, $err) = $node->psql('postgres',
	"INSERT INTO access_policy.orgs (id, name, parent_id) VALUES (30011, 'loop a', 30012), (30012, 'loop b', 30011);");
like($err, qr/would create a cycle/, 'a cycle inserted in one statement is refused');
$node->safe_psql(
	'postgres', q{
	DELETE FROM access_policy.orgs WHERE id IN (30011, 30012);
	SET session_replication_role = replica;
	INSERT INTO access_policy.orgs (id, name, parent_id) VALUES (30001, 'cycle a', 30002), (30002, 'cycle b', 30001);
	RESET session_replication_role;
	SELECT access_policy.create_user('deep_cycle');
	INSERT INTO access_policy.assignments (user_id, org_id, role_id) VALUES ('deep_cycle', 30001, 3);
});
{
	my $res = as_user('deep_cycle', "SET LOCAL statement_timeout = '60s';\nSELECT access_policy.can(30002, 'responses.view');");
	like($res, qr/org tree above org 30002 does not end/, 'a check in a planted cycle: the documented error');
}
$node->safe_psql(
	'postgres', q{
	SET session_replication_role = replica;
	DELETE FROM access_policy.assignments WHERE user_id = 'deep_cycle';
	DELETE FROM access_policy.orgs WHERE id IN (30001, 30002);
	RESET session_replication_role;
});

# no backend crashed on the way
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server still answers');
ok(!$node->log_contains('terminated by signal'), 'no backend crashed');
ok(!$node->log_contains('stack depth limit exceeded'), 'no stack depth error');

$node->stop;
done_testing();
