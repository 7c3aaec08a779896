# test/t/003_hot_standby.pl -- checks, lists, explain and RLS on a hot standby
#
# Why this test exists: deployments read from streaming
# replicas.  On a hot standby nothing may be written, there are no triggers,
# and the only way a change made on the primary reaches an open session is
# WAL replay: the statement trigger on every policy table queues a relcache
# invalidation that is logged with the commit record and replayed on the
# standby.  If the check path wrote anything (a sequence, a lock that needs an
# xid, a cache table), every check on a replica would fail; if the cache did
# not react to replayed invalidations, a revoked user would keep access on
# the replica for as long as their session lives.
#
# So: a primary and a streaming standby.  The same script of checks
# (can, can_resource, can_action, can_row), lists (orgs_with,
# resources_with, resources_allowing), introspection (explain,
# explain_resource, effective_permissions, who_can) and RLS-protected SELECTs
# runs for every user on both, and the results must be identical (and
# non-trivial).  Sessions opened on the standby before a revocation, an
# assignment expiry change and a support revoke on the primary, with a warm
# cache, must deny once the change is replayed.  Administration functions on
# the standby must fail with SQLSTATE 25006 (read-only transaction), and the
# standby must survive them.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', "shared_buffers = 32MB\nmax_connections = 30\n");
$primary->start;

# The world.  Orgs: 100 > 110 > {111, 112}, 100 > 120, and a second root
# 200.  Custom role Builder (defined at 100).  Users:
#   alice   Admin at 100
#   bob     Editor at 110, Viewer at 111
#   carol   Viewer at 111, Builder at 112 (Builder gets the Intake app through a grant)
#   dave    Viewer at 120, expiring tomorrow
#   eve     Editor at 200, valid only from tomorrow
#   sophie  support staff; org 120 has write support access for a week, 111 none
#   frank   Viewer at 200 with a grant on one page of Intake that expired
# Tenant tables: responses (org column) and entries (org + page column).
$primary->safe_psql(
	'postgres', q{
	CREATE EXTENSION access_policy;
	-- not given to the built-in Admin (0.5.0's default): alice, an Admin, holds no app permission
	SELECT access_policy.register_permission('app_platform.view', true, 'use apps', admin => false);
	SELECT access_policy.register_permission('form.view', true, 'see forms', admin => false);
	SELECT access_policy.create_resource_kind('app', 'an app');
	SELECT access_policy.create_resource_kind('page', 'a page of an app');
	SELECT access_policy.set_kind_action('app', 'open', ARRAY['app_platform.view']);
	SELECT access_policy.set_kind_action('page', 'open', ARRAY['app_platform.view', 'form.view']);
	SELECT access_policy.set_kind_action('page', 'answer', ARRAY['form.view', 'responses.write']);

	SELECT access_policy.create_org('Root', NULL, 100);
	SELECT access_policy.create_org('Dental', 100, 110);
	SELECT access_policy.create_org('North', 110, 111);
	SELECT access_policy.create_org('South', 110, 112);
	SELECT access_policy.create_org('Logistics', 100, 120);
	SELECT access_policy.create_org('Other', NULL, 200);
	SELECT access_policy.create_role(100, 'Builder', ARRAY['app_platform.view', 'form.view'], 'builds apps');

	SELECT access_policy.create_user('alice', 'alice@example.com', 'Alice');
	SELECT access_policy.create_user('bob', 'bob@example.com', 'Bob');
	SELECT access_policy.create_user('carol', 'carol@example.com', 'Carol');
	SELECT access_policy.create_user('dave', 'dave@example.com', 'Dave');
	SELECT access_policy.create_user('eve', 'eve@example.com', 'Eve');
	SELECT access_policy.create_user('frank', 'frank@example.com', 'Frank');
	SELECT access_policy.create_user('sophie', 'sophie@vendor.example', 'Sophie', is_support_staff => true);

	SELECT access_policy.assign_role('alice', 100, 'Admin');
	SELECT access_policy.assign_role('bob', 110, 'Editor');
	SELECT access_policy.assign_role('bob', 111, 'Viewer');
	SELECT access_policy.assign_role('carol', 111, 'Viewer');
	SELECT access_policy.assign_role('carol', 112, 'Builder');
	SELECT access_policy.assign_role('dave', 120, 'Viewer', expires_at => now() + interval '1 day');
	SELECT access_policy.assign_role('eve', 200, 'Editor', valid_from => now() + interval '1 day');
	SELECT access_policy.assign_role('frank', 200, 'Viewer');

	SELECT access_policy.create_resource(110, 'app', 'Intake') AS intake \gset
	SELECT access_policy.create_resource(110, 'page', 'Check-in', :intake) AS checkin \gset
	SELECT access_policy.create_resource(110, 'page', 'Billing', :intake) AS billing \gset
	SELECT access_policy.create_resource(120, 'app', 'Fleet') AS fleet \gset
	SELECT access_policy.create_resource(120, 'page', 'Daily', :fleet) AS daily \gset
	SELECT access_policy.grant_resource(:intake, 'Builder', ARRAY[112::bigint]);
	SELECT access_policy.grant_resource(:checkin, 'Viewer', ARRAY[200::bigint], now() + interval '1 hour');
	SELECT access_policy.grant_resource(:billing, 'Viewer', ARRAY[200::bigint], now() + interval '1 hour');
	-- frank's grant on Billing has expired (moved back, as the system)
	UPDATE access_policy.resource_grants SET valid_from = now() - interval '2 days', expires_at = now() - interval '1 day'
	 WHERE resource_id = :billing;

	SELECT access_policy.set_support_access(120, 'write', 'ticket 4711', duration => '1 week');
	SELECT access_policy.set_support_access(111, 'none');

	CREATE TABLE public.responses (
		id		bigint PRIMARY KEY,
		org_id	bigint NOT NULL,
		body	text NOT NULL
	);
	CREATE INDEX ON public.responses (org_id);
	INSERT INTO public.responses
	SELECT g, (ARRAY[100, 110, 111, 112, 120, 200])[1 + g % 6], 'response ' || g FROM generate_series(1, 60) g;
	SELECT access_policy.protect_table('public.responses', 'org_id', 'responses.view', 'responses.write');

	CREATE TABLE public.entries (
		id		bigint PRIMARY KEY,
		org_id	bigint NOT NULL,
		page_id	bigint,
		body	text NOT NULL
	);
	INSERT INTO public.entries VALUES
		(1, 110, :checkin, 'a'), (2, 110, :billing, 'b'), (3, 110, NULL, 'c'),
		(4, 120, :daily, 'd'), (5, 120, NULL, 'e'), (6, 111, NULL, 'f'), (7, 200, NULL, 'g');
	SELECT access_policy.protect_table('public.entries', 'org_id', 'form.view', 'responses.write',
									   resource_column => 'page_id');

	-- the application's role: says who is acting, reads under RLS; may call
	-- every function (administration is checked per acting user)
	CREATE ROLE app LOGIN;
	GRANT EXECUTE ON FUNCTION access_policy.set_user(text, boolean), access_policy.clear_user(boolean) TO app;
	GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA access_policy TO app;
	GRANT SELECT ON public.responses, public.entries TO app;
	-- the test enumerates every org, permission, resource and action
	GRANT SELECT ON access_policy.orgs, access_policy.permissions, access_policy.resources,
		access_policy.kind_actions TO app;
});

$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->append_conf('postgresql.conf', "max_connections = 30\n");
$standby->start;
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));

is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');

my @USERS = qw(alice bob carol dave eve frank sophie ghost);

# Every answer for the acting user (set by the caller), one line each.
my $ANSWERS = q{
SELECT 'can', o.id, p.name, access_policy.can(o.id, p.name)
  FROM access_policy.orgs o CROSS JOIN access_policy.permissions p ORDER BY 2, 3;
SELECT 'can_resource', r.id, p.name, access_policy.can_resource(r.id, p.name)
  FROM access_policy.resources r CROSS JOIN access_policy.permissions p ORDER BY 2, 3;
SELECT 'can_action', r.id, a.action, access_policy.can_action(r.id, a.action)
  FROM access_policy.resources r CROSS JOIN (SELECT DISTINCT action FROM access_policy.kind_actions) a ORDER BY 2, 3;
SELECT 'can_row', o.id, r.id, p.name, access_policy.can_row(o.id, r.id, p.name)
  FROM access_policy.orgs o
 CROSS JOIN (SELECT id FROM access_policy.resources UNION ALL SELECT NULL) r
 CROSS JOIN access_policy.permissions p ORDER BY 2, 3, 4;
SELECT 'orgs_with', p.name, access_policy.orgs_with(p.name) FROM access_policy.permissions p ORDER BY 2;
SELECT 'resources_with', r.id, p.name, access_policy.resources_with(r.id, p.name)
  FROM access_policy.resources r CROSS JOIN access_policy.permissions p ORDER BY 2, 3;
SELECT 'resources_allowing', r.id, a.action, access_policy.resources_allowing(r.id, a.action)
  FROM access_policy.resources r CROSS JOIN (SELECT DISTINCT action FROM access_policy.kind_actions) a ORDER BY 2, 3;
SELECT 'explain', o.id, p.name, e.allowed, e.path, e.expires_at
  FROM access_policy.orgs o CROSS JOIN access_policy.permissions p
 CROSS JOIN LATERAL access_policy.explain(p.name, o.id) e ORDER BY 2, 3, 4, 5, 6;
SELECT 'explain_resource', r.id, p.name, e.allowed, e.path, e.expires_at
  FROM access_policy.resources r CROSS JOIN access_policy.permissions p
 CROSS JOIN LATERAL access_policy.explain_resource(p.name, r.id) e ORDER BY 2, 3, 4, 5, 6;
SELECT 'effective_permissions', o.id, e.*
  FROM access_policy.orgs o CROSS JOIN LATERAL access_policy.effective_permissions(o.id) e ORDER BY 2, 3, 4, 5, 6;
SELECT 'responses', id, org_id FROM public.responses ORDER BY id;
SELECT 'entries', id, org_id, page_id FROM public.entries ORDER BY id;
};

# who_can needs members.manage; asked by the system (superuser, nobody acting)
my $WHO_CAN = q{
SELECT 'who_can', o.id, p.name, w.*
  FROM access_policy.orgs o CROSS JOIN access_policy.permissions p
 CROSS JOIN LATERAL access_policy.who_can(p.name, o.id) w ORDER BY 2, 3, 4, 5, 6;
SELECT 'who_can_resource', r.id, p.name, w.*
  FROM access_policy.resources r CROSS JOIN access_policy.permissions p
 CROSS JOIN LATERAL access_policy.who_can_resource(p.name, r.id) w ORDER BY 2, 3, 4, 5, 6;
};

# The answers of every user (and of nobody) on a node, as the role app, each
# user in one read-only transaction that must not get a transaction id.
sub all_answers
{
	my ($node) = @_;
	my $sql = '';
	for my $u (@USERS, '')
	{
		$sql .= "BEGIN READ ONLY;\n";
		$sql .= "SELECT 'user', '" . ($u eq '' ? '(nobody)' : $u) . "';\n";
		$sql .= "SELECT access_policy.set_user('$u') \\gset\n" if $u ne '';
		$sql .= $ANSWERS;
		$sql .= "SELECT 'xid', pg_current_xact_id_if_assigned() IS NULL;\n";
		$sql .= "COMMIT;\n";
	}
	my $out = $node->safe_psql('postgres', $sql, extra_params => [ '-U', 'app' ]);
	$out .= "\n" . $node->safe_psql('postgres', $WHO_CAN);
	return $out;
}

# The lines of one user's block.
sub block_of
{
	my ($out, $user) = @_;
	return $out =~ /^user\|\Q$user\E\n(.*?)(?=^user\||\z)/ms ? $1 : '';
}

my $on_primary = all_answers($primary);
my $on_standby = all_answers($standby);

my $nlines = () = $on_primary =~ /\n/g;
cmp_ok($nlines, '>', 5000, "the answer script produced $nlines lines on the primary");
ok($on_primary !~ /^xid\|f$/m, 'no check, list or explain got a transaction id on the primary');
ok($on_standby =~ /^xid\|t$/m && $on_standby !~ /^xid\|f$/m, 'and none on the standby');

# the answers are not trivial: spot checks of known facts on the primary
my %fact = (
	alice => [ 'can|111|org.delete|t', 'responses|1|110', 'resources_allowing|1|open|{}' ],
	bob   => [ 'can|111|responses.write|t', 'can|120|responses.view|f', 'responses|2|111' ],
	carol => [ 'can_resource|2|form.view|t', 'can|110|responses.view|f', 'resources_allowing|1|open|{1,2,3}',
			   'entries|1|110|2', 'entries|2|110|3' ],
	dave  => [ 'can|120|responses.view|t', 'responses|4|120' ],
	eve   => [ 'can|200|responses.view|f' ],
	frank => [ 'can_resource|2|responses.view|t', 'can_resource|3|responses.view|f', 'responses|5|200' ],
	sophie => [ 'can|120|responses.write|t', 'can|111|responses.view|f', 'can|112|responses.view|t' ]);
for my $u (sort keys %fact)
{
	my $b = block_of($on_primary, $u);
	my @missing = grep { index($b, "$_\n") < 0 } @{ $fact{$u} };
	ok(!@missing, "primary: ${u}'s answers hold the expected facts") or diag("missing: @missing");
}
ok(block_of($on_primary, 'ghost') !~ /^(?!xid).*\|t$/m, 'an unknown user is refused everything');
ok(block_of($on_primary, '(nobody)') !~ /^(?!xid).*\|t$/m, 'nobody acting is refused everything');
like($on_primary, qr/^who_can\|111\|responses\.write\|bob\|Editor\|110\|/m, 'who_can answers');

is($on_standby, $on_primary,
	'standby: every check, list, explain, who_can and RLS-protected SELECT answers as on the primary');

# Sessions on the standby, opened before the changes, identity for the
# session, cache warmed by repeated checks.
my (%warm, %rebuilds);
my %probe = (
	bob => "SELECT access_policy.can(111, 'responses.write') || ',' || access_policy.can(111, 'responses.view')"
	  . " || ',' || (SELECT count(*) FROM public.responses)",
	dave => "SELECT access_policy.can(120, 'responses.view') || ',' || (SELECT count(*) FROM public.responses)",
	sophie => "SELECT access_policy.can(120, 'responses.write') || ',' || access_policy.can(120, 'responses.view')"
	  . " || ',' || (SELECT count(*) FROM public.responses WHERE org_id = 120)");
# (a boolean cast to text reads true/false)
my %before = (bob => 'true,true,30', dave => 'true,10', sophie => 'true,true,10');
my %after  = (bob => 'false,true,10', dave => 'false,0', sophie => 'false,true,10');
my $REBUILDS = 'SELECT rebuilds FROM access_policy.cache_stats()';
for my $u (sort keys %probe)
{
	my $s = $standby->background_psql('postgres', extra_params => [ '-U', 'app' ]);
	$s->query_safe("SELECT access_policy.set_user('$u', false)");
	is($s->query_safe($probe{$u}), $before{$u}, "standby, open session of $u: answers before the change");
	my $r1 = $s->query_safe($REBUILDS);
	is($s->query_safe($probe{$u}), $before{$u}, "standby, open session of $u: same answer again");
	is($s->query_safe($REBUILDS), $r1, "standby, open session of $u: the second round was served from the warm cache");
	$warm{$u} = $s;
	$rebuilds{$u} = $r1;
}

# On the primary: revoke bob's Editor role at 110, expire dave's assignment,
# revoke the support access of org 120 (falls back to the default: read).
$primary->safe_psql(
	'postgres', q{
	SELECT access_policy.revoke_role('bob', 110, 'Editor');
	SELECT access_policy.set_assignment(a.id, expires_at => now() - interval '1 minute')
	  FROM access_policy.assignments a WHERE a.user_id = 'dave';
	SELECT access_policy.revoke_support_access(120);
});
for my $u (sort keys %probe)
{
	is( $primary->safe_psql(
			'postgres', "BEGIN; SELECT access_policy.set_user('$u') \\gset\n$probe{$u};\nCOMMIT;",
			extra_params => [ '-U', 'app' ]),
		$after{$u},
		"primary: $u is denied after the change");
}
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));

for my $u (sort keys %probe)
{
	is($warm{$u}->query_safe($probe{$u}), $after{$u},
		"standby, session of $u opened before the change: denied once it is replayed");
	cmp_ok($warm{$u}->query_safe($REBUILDS), '>', $rebuilds{$u},
		"standby, session of $u: the replayed invalidation made the cache rebuild");
	$warm{$u}->quit;
}

$on_primary = all_answers($primary);
$on_standby = all_answers($standby);
is($on_standby, $on_primary, 'standby: after the changes every answer is again the primary\'s');
ok(block_of($on_primary, 'bob') =~ /^can\|111\|responses\.write\|f$/m, 'and they reflect the changes');

# Administration on the standby: a clean read-only error, as the system and
# as an acting user, and the standby keeps running.
my $carol_viewer = $primary->safe_psql('postgres',
	"SELECT id FROM access_policy.assignments WHERE user_id = 'carol' AND org_id = 111");
my @admin = (
	q{SELECT access_policy.create_user('zoe', 'zoe@example.com', 'Zoe')},
	q{SELECT access_policy.create_org('New', 100)},
	q{SELECT access_policy.rename_org(111, 'North-East')},
	q{SELECT access_policy.assign_role('carol', 110, 'Viewer')},
	q{SELECT access_policy.revoke_role('carol', 111, 'Viewer')},
	"SELECT access_policy.set_assignment($carol_viewer, enabled => false)",
	q{SELECT access_policy.create_role(100, 'Auditor', ARRAY['reviews.view'])},
	q{SELECT access_policy.create_resource(110, 'page', 'New page', (SELECT min(id) FROM access_policy.resources))},
	q{SELECT access_policy.grant_resource((SELECT min(id) FROM access_policy.resources), 'Viewer', ARRAY[120::bigint])},
	q{SELECT access_policy.set_support_access(110, 'write', 'ticket 1', duration => '1 week')},
	q{SELECT access_policy.revoke_support_access(111)},
	q{SELECT access_policy.invite(110, 'zoe@example.com', 'Viewer')},
	q{SELECT access_policy.change_role('bob', 111, 'Editor')},
	q{SELECT access_policy.remove_member('carol', 112)});
for my $who ('', 'alice')
{
	for my $call (@admin)
	{
		my $sql = "\\set VERBOSITY verbose\nBEGIN;\n";
		$sql .= "SELECT access_policy.set_user('$who') \\gset\n" if $who ne '';
		$sql .= "$call;\nROLLBACK;\n";
		my ($ret, $out, $err) = $standby->psql(
			'postgres', $sql,
			extra_params => $who eq '' ? [] : [ '-U', 'app' ]);
		my $as = $who eq '' ? 'the system' : $who;
		like($err, qr/ERROR:\s+25006: cannot execute .+ in a read-only transaction/,
			"standby, as $as: $call fails with 25006")
		  or diag("exit $ret, stderr: $err");
	}
}
is( $standby->safe_psql(
		'postgres', "BEGIN; SELECT access_policy.set_user('alice') \\gset\nSELECT access_policy.can(111, 'org.delete'); COMMIT;",
		extra_params => [ '-U', 'app' ]),
	't',
	'the standby still answers after the refused administration');
my $log = slurp_file($standby->logfile);
unlike($log, qr/terminated by signal|server process .* was terminated|PANIC/, 'no backend of the standby crashed');

$standby->stop;
$primary->stop;
done_testing();
