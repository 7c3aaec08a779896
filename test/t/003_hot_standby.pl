# test/t/003_hot_standby.pl -- access_policy on a streaming hot standby
#
# Why this test exists (issue #7 item 2): read replicas are where read-heavy
# SaaS traffic goes, and the check path promises never to write, so it must
# work on a standby; and a revocation on the primary must reach a standby
# session that already has a warm cache -- through the relcache
# invalidations the signal relations carry in the WAL -- not only new
# sessions.  A standby must also refuse administration cleanly (read-only
# transaction), not crash.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql(
	'postgres', q{
	CREATE EXTENSION access_policy;
	SELECT access_policy.create_org('Root', NULL, 100);
	SELECT access_policy.create_org('Child', 100, 110);
	SELECT access_policy.create_org('Grandchild', 110, 111);
	SELECT access_policy.create_org('Other', NULL, 200);
	SELECT access_policy.register_permission('sb.read', true);
	SELECT access_policy.create_role(100, 'SB Reader', '{sb.read}') IS NOT NULL;
	SELECT access_policy.create_user(u) FROM unnest(ARRAY['sb_admin', 'sb_child', 'sb_other', 'sb_support']) u;
	UPDATE access_policy.users SET is_support_staff = true WHERE id = 'sb_support';
	SELECT access_policy.assign_role('sb_admin', 100, 'Admin') IS NOT NULL;
	SELECT access_policy.assign_role('sb_child', 110, 'SB Reader') IS NOT NULL;
	SELECT access_policy.assign_role('sb_child', 110, 'Viewer') IS NOT NULL;
	SELECT access_policy.assign_role('sb_other', 200, 'Editor') IS NOT NULL;
	SELECT access_policy.create_resource_kind('sb_app');
	SELECT access_policy.set_kind_action('sb_app', 'open', '{responses.view}');
	SELECT access_policy.create_resource(200, 'sb_app', 'Shared App') IS NOT NULL;
	SELECT access_policy.grant_resource((SELECT id FROM access_policy.resources WHERE name = 'Shared App'), 'Viewer', ARRAY[110]::bigint[]) IS NOT NULL;
	SELECT access_policy.set_support_access(111, 'read', 'standby test');
	CREATE TABLE public.notes (id int PRIMARY KEY, org_id bigint NOT NULL, body text);
	CREATE INDEX ON public.notes (org_id);
	INSERT INTO public.notes SELECT g, (ARRAY[100, 110, 111, 200])[1 + g % 4], 'n' || g FROM generate_series(1, 40) g;
	SELECT access_policy.protect_table('public.notes', 'org_id', 'responses.view', 'responses.write');
	CREATE ROLE sb_app LOGIN;
	GRANT EXECUTE ON FUNCTION access_policy.set_user(text, boolean) TO sb_app;
	GRANT SELECT, INSERT ON public.notes TO sb_app;
});

my $rid = $primary->safe_psql('postgres', q{SELECT id FROM access_policy.resources WHERE name = 'Shared App'});

$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');

# The same questions on both nodes, as every user: checks, lists, explain
# and an RLS-protected query.
my $questions = qq{
	SELECT u || ' ' || x FROM unnest(ARRAY['sb_admin', 'sb_child', 'sb_other', 'sb_support', 'nobody']) u,
	LATERAL (
		SELECT string_agg(line, '; ' ORDER BY line) AS x FROM (
			SELECT 'can ' || o || ' ' || p || '=' || access_policy.can(o, p) AS line
			  FROM access_policy.set_user(u) s, unnest(ARRAY[100, 110, 111, 200]) o,
				   unnest(ARRAY['sb.read', 'responses.view', 'responses.write', 'members.manage']) p
			UNION ALL
			SELECT 'orgs_with ' || p || '=' || access_policy.orgs_with(p)::text
			  FROM unnest(ARRAY['sb.read', 'responses.view']) p
			UNION ALL
			SELECT 'can_resource=' || access_policy.can_resource($rid, 'responses.view')
			UNION ALL
			SELECT 'can_action=' || access_policy.can_action($rid, 'open')
			UNION ALL
			SELECT 'resources_with=' || access_policy.resources_with($rid, 'responses.view')::text
			UNION ALL
			SELECT 'resources_allowing=' || access_policy.resources_allowing($rid, 'open')::text
		) q
	) y ORDER BY 1;
};
my $on_primary = $primary->safe_psql('postgres', $questions);
my $on_standby = $standby->safe_psql('postgres', $questions);
ok(length($on_primary) > 500, 'the questions produce answers on the primary');
is($on_standby, $on_primary, 'checks and lists answer the same on the standby as on the primary');

my $explain = q{SELECT access_policy.explain('sb.read', 111, 'sb_child')::text;
				SELECT string_agg(user_id, ',' ORDER BY user_id) FROM access_policy.who_can('sb.read', 111);
				SELECT access_policy.effective_permissions(110, 'sb_child')::text;};
is($standby->safe_psql('postgres', $explain), $primary->safe_psql('postgres', $explain),
	'explain, who_can and effective_permissions answer the same on the standby');

my $rls = q{BEGIN; SET LOCAL ROLE sb_app; SELECT access_policy.set_user('sb_child');
			SELECT string_agg(id::text, ',' ORDER BY id) FROM public.notes; COMMIT;};
my $rls_primary = (split /\n/, $primary->safe_psql('postgres', $rls))[-1];
is((split /\n/, $standby->safe_psql('postgres', $rls))[-1], $rls_primary, 'an RLS-protected query returns the same rows on the standby');
like($rls_primary, qr/^\d+(,\d+)+$/, 'and it returns rows');
my ($n_child) = $primary->safe_psql('postgres', q{SELECT count(*) FROM public.notes WHERE org_id IN (110, 111)});
is(scalar(split /,/, $rls_primary), $n_child, 'exactly the rows of the orgs sb_child may see');

# A standby session with a warm cache sees a revocation once it is replayed.
my $session = $standby->background_psql('postgres', on_error_stop => 0);
$session->query_safe(q{SELECT access_policy.set_user('sb_child', false)});
is($session->query_safe(q{SELECT access_policy.can(111, 'sb.read')}), 't', 'standby session: sb_child may read org 111 (warm cache)');
is($session->query_safe(qq{SELECT access_policy.can_resource($rid, 'responses.view')}), 't', 'standby session: and the resource granted to its org');
is($session->query_safe(q{SELECT access_policy.can(200, 'responses.write')}), 'f', 'standby session: not write at org 200');

$primary->safe_psql('postgres', q{SELECT access_policy.revoke_role('sb_child', 110, 'SB Reader')});
$primary->wait_for_catchup($standby);
is($session->query_safe(q{SELECT access_policy.can(111, 'sb.read')}), 'f', 'after replay: the revocation denies in the open standby session');
is($session->query_safe(q{SELECT access_policy.can(111, 'responses.view')}), 't', 'after replay: what the other role gives is kept');

# an org move, a second revocation and a support change reach the same session
$primary->safe_psql('postgres', q{SELECT access_policy.move_org(111, 200)});
$primary->wait_for_catchup($standby);
is($session->query_safe(q{SELECT access_policy.can(111, 'responses.view')}), 'f', 'after replay: a moved org leaves the subtree');
$primary->safe_psql('postgres', q{SELECT access_policy.revoke_role('sb_child', 110, 'Viewer')});
$primary->wait_for_catchup($standby);
is($session->query_safe(qq{SELECT access_policy.can_resource($rid, 'responses.view')}), 'f', 'after replay: the resource grant needs the revoked role');
$session->query_safe(q{SELECT access_policy.set_user('sb_support', false)});
is($session->query_safe(q{SELECT access_policy.can(111, 'responses.view')}), 't', 'standby: support staff read an org with read support access');
$primary->safe_psql('postgres', q{SELECT access_policy.set_support_access(111, 'none', 'standby test: off')});
$primary->wait_for_catchup($standby);
is($session->query_safe(q{SELECT access_policy.can(111, 'responses.view')}), 'f', 'after replay: support access turned off denies in the open session');

# administration on the standby: a clean read-only error, the session lives on
my ($ret, $stdout, $stderr) = $standby->psql('postgres', q{SELECT access_policy.assign_role('sb_other', 100, 'Viewer')});
isnt($ret, 0, 'administration on the standby fails');
like($stderr, qr/read-only transaction/, 'with the read-only error (SQLSTATE 25006)');
($ret, $stdout, $stderr) = $standby->psql('postgres', q{SELECT access_policy.set_user('sb_admin'); SELECT access_policy.create_org('X', 100)},
	extra_params => ['-v', 'VERBOSITY=verbose']);
like($stderr, qr/25006/, 'create_org on the standby: SQLSTATE 25006');
is($session->query_safe(q{SELECT 1}), '1', 'the open standby session is still usable');
$session->quit;

# nothing crashed on either node
my $log = slurp_file($standby->logfile) . slurp_file($primary->logfile);
unlike($log, qr/terminated by signal|server process .* was terminated/, 'no backend crashed');

done_testing();
