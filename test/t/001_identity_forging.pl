# test/t/001_identity_forging.pl -- who is acting cannot be forged
#
# Why this test exists: every check answers for the acting user, and the
# acting user lives in the setting access_policy.identity.  If any ordinary
# PostgreSQL route to a setting (SET, set_config, RESET, a function's SET
# clause, ALTER ROLE / ALTER DATABASE ... SET, connection options, or a value
# planted as a placeholder before the library was loaded) could put a user id
# there, then any role that can run SQL -- a tenant's own login, a reporting
# tool -- could act as anybody, and row-level security would be worth
# nothing.  Only set_user(), and only for roles granted EXECUTE on it, may
# change it.  The placeholder routes depend on whether the library was already
# loaded when the setting was applied, so every attempt runs both before and
# after the library is loaded, first without and then with
# shared_preload_libraries; these cannot be written as a pg_regress file
# (they need fresh connections, roles' login settings, PGOPTIONS and a
# restart).
#
# It also checks the legitimate route and its scoping (an application role
# with EXECUTE on set_user; transaction scope; ROLLBACK and ROLLBACK TO
# SAVEPOINT restore the previous identity) and that parallel query answers as
# serial query does: parallel workers must act for the same user as the
# leader, or an RLS-protected query silently loses the rows the workers scan.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('identity');
$node->init;
$node->append_conf('postgresql.conf', "shared_buffers = 32MB\nmax_connections = 20\n");
$node->start;

# The world: alice is Admin at org 10 (settings.edit there); bob, whom the
# login role "mapped" acts as, and carol are Viewers at org 13 only.
$node->safe_psql(
	'postgres', q{
	CREATE EXTENSION access_policy;
	SELECT access_policy.create_org('Forge Root', NULL, 10);
	SELECT access_policy.create_org('Forge Child', 10, 11);
	SELECT access_policy.create_org('Other Root', NULL, 12);
	SELECT access_policy.create_org('Other Child', 12, 13);
	SELECT access_policy.create_org('Nobody''s', NULL, 14);
	SELECT access_policy.create_user('alice');
	SELECT access_policy.create_user('bob');
	SELECT access_policy.create_user('carol');
	SELECT access_policy.assign_role('alice', 10, 'Admin');
	SELECT access_policy.assign_role('bob', 13, 'Viewer');
	SELECT access_policy.assign_role('carol', 13, 'Viewer');

	-- a tenant's own login: may run checks, may not choose who it is
	CREATE ROLE tenant LOGIN;
	CREATE SCHEMA tenant_s AUTHORIZATION tenant;
	-- a psql user mapped to bob: also no EXECUTE on set_user
	CREATE ROLE mapped LOGIN;
	CREATE SCHEMA mapped_s AUTHORIZATION mapped;
	SELECT access_policy.map_login('mapped', 'bob');
	-- the application's role: trusted to say who is acting
	CREATE ROLE app LOGIN;
	GRANT EXECUTE ON FUNCTION access_policy.set_user(text, boolean),
		access_policy.set_user(uuid, boolean), access_policy.clear_user(boolean) TO app;
});

# One line per state: "acting user|may alice's permission be used".
my $STATE_EXPR =
  q{coalesce(access_policy.current_user_id(), '<none>') || '|' || coalesce(access_policy.can(10, 'settings.edit')::text, 'null')};
my $STATE = "SELECT $STATE_EXPR AS state;";

# who each login acts as, and what it must stay
my %expected = (
	tenant   => '<none>|false',
	mapped   => 'bob|false',
	postgres => '<none>|false');

# Run SQL as a role in a fresh connection; returns (exit code, stdout, stderr).
sub run_as
{
	my ($role, $sql) = @_;
	my ($ret, $out, $err) = $node->psql(
		'postgres', $sql,
		on_error_stop => 0,
		extra_params => [ '-U', $role ]);
	return ($ret, $out, $err);
}

# Every state line printed must be the expected one, and there must be one.
sub states_are
{
	my ($out, $want, $name, $err) = @_;
	if (defined $err)
	{
		my %seen;
		my @msgs = grep { !$seen{$_}++ }
		  map { /((?:ERROR|WARNING|FATAL):.*)/ ? $1 : () } split /\n/, $err;
		note("$name: " . (@msgs ? join(' / ', @msgs) : 'no message'));
	}
	my @states = grep { /\|(true|false|null)$/ } split /\n/, $out;
	if (!@states)
	{
		fail("$name: no state printed");
		diag("stdout: $out");
		return;
	}
	my @wrong = grep { $_ ne $want } @states;
	ok(!@wrong, "$name: acts as $want")
	  or diag("got: @states");
}

my $LOAD = "SELECT 'loaded:' || coalesce(access_policy.current_user_id(), '') AS load;\n";

# The routes an unprivileged role could try within its own session.
my $fn = 0;
sub attempts
{
	my ($role) = @_;
	my $schema = $role eq 'postgres' ? 'public' : "${role}_s";
	$fn++;
	return (
		[ 'SET', "SET access_policy.identity = 'alice';\n$STATE" ],
		[ 'SET LOCAL',
			"BEGIN;\nSET LOCAL access_policy.identity = 'alice';\n$STATE\nCOMMIT;\n$STATE" ],
		[ 'SET TO DEFAULT', "SET access_policy.identity TO DEFAULT;\n$STATE" ],
		[ 'set_config (session)',
			"SELECT set_config('access_policy.identity', 'alice', false);\n$STATE" ],
		[ 'set_config (transaction)',
			"BEGIN;\nSELECT set_config('access_policy.identity', 'alice', true);\n$STATE\nCOMMIT;\n$STATE" ],
		[ 'RESET', "RESET access_policy.identity;\n$STATE" ],
		[ 'RESET ALL', "RESET ALL;\n$STATE" ],
		[ 'function SET clause',
			"CREATE FUNCTION $schema.forge_$fn() RETURNS text LANGUAGE sql\n"
			  . "  SET access_policy.identity = 'alice' AS \$\$SELECT $STATE_EXPR\$\$;\n"
			  . "SELECT $schema.forge_$fn() AS state;\n$STATE" ]);
}

# Try every in-session route as every role, as the first statement of the
# session (without preloading: before the library is loaded, so the value is
# a placeholder when it is set) and after a check has loaded the library.
sub try_session_routes
{
	my ($label) = @_;
	foreach my $role ('tenant', 'mapped', 'postgres')
	{
		foreach my $loaded (0, 1)
		{
			foreach my $a (attempts($role))
			{
				my ($name, $sql) = @$a;
				my ($ret, $out, $err) = run_as($role, ($loaded ? $LOAD : '') . $sql);
				states_are($out, $expected{$role},
					"$label: $role, " . ($loaded ? 'after a check' : 'as the first statement') . ", $name", $err);
				unlike($err, qr/server closed the connection|terminated by signal/,
					"$label: $role, $name: no crash");
			}
		}
	}
	# ALTER ROLE of oneself: refused, or without effect at the next login
	foreach my $role ('tenant', 'mapped')
	{
		foreach my $loaded (0, 1)
		{
			my ($ret, $out, $err) = run_as($role,
				($loaded ? $LOAD : '') . "ALTER ROLE CURRENT_USER SET access_policy.identity = 'alice';\n");
			note("$label: $role, ALTER ROLE self: " . ($err =~ /(ERROR:.*)/ ? $1 : 'accepted'));
			($ret, $out, $err) = run_as($role, $STATE);
			states_are($out, $expected{$role}, "$label: $role, ALTER ROLE self, next login", $err);
		}
	}
}

# Settings a superuser plants for roles and the database while the library
# is not loaded in its session (with it loaded, the check hook refuses them),
# functions a superuser created with a SET clause, and connection options.
sub try_planted_routes
{
	my ($label, $preloaded) = @_;

	# with the library loaded, a superuser cannot plant it either
	my ($ret, $out, $err) = run_as('postgres',
		$LOAD . "ALTER ROLE tenant SET access_policy.identity = 'alice';\n");
	like($err, qr/can only be changed by access_policy\.set_user\(\)/,
		"$label: ALTER ROLE ... SET refused when the library is loaded");

	# a fresh session: placeholders, unless preloaded
	($ret, $out, $err) = run_as(
		'postgres', q{
		ALTER ROLE tenant SET access_policy.identity = 'alice';
		ALTER ROLE mapped SET access_policy.identity = 'alice';
		ALTER ROLE mapped IN DATABASE postgres SET access_policy.identity = 'alice';
		ALTER DATABASE postgres SET access_policy.identity = 'alice';
		CREATE OR REPLACE FUNCTION public.forge_invoker() RETURNS text LANGUAGE sql
			SET access_policy.identity = 'alice' AS $$SELECT } . $STATE_EXPR . q{$$;
		CREATE OR REPLACE FUNCTION public.forge_definer() RETURNS text LANGUAGE sql SECURITY DEFINER
			SET access_policy.identity = 'alice' AS $$SELECT } . $STATE_EXPR . q{$$;
		GRANT EXECUTE ON FUNCTION public.forge_invoker(), public.forge_definer() TO PUBLIC;
	});
	if ($preloaded)
	{
		like($err, qr/can only be changed by access_policy\.set_user\(\)/,
			"$label: planting refused when preloaded");
	}
	else
	{
		is($err, '', "$label: planted as placeholders while the library is not loaded");
	}
	# what the not-preloaded run planted stays for the preloaded run
	is( $node->safe_psql(
			'postgres',
			"SELECT count(*) FROM pg_db_role_setting WHERE array_to_string(setconfig, ',') LIKE '%access_policy.identity=alice%'"
		),
		'4',
		"$label: the planted login settings are in place");
	is($node->safe_psql('postgres', "SELECT count(*) FROM pg_proc WHERE proname IN ('forge_invoker', 'forge_definer')"),
		'2', "$label: the planted functions are in place");

	foreach my $role ('tenant', 'mapped', 'postgres')
	{
		foreach my $loaded (0, 1)
		{
			my $when = $loaded ? 'after a check' : 'as the first statement';
			($ret, $out, $err) = run_as($role, ($loaded ? $LOAD : '') . $STATE);
			states_are($out, $expected{$role}, "$label: $role, ALTER ROLE/DATABASE SET, $when", $err);
			($ret, $out, $err) = run_as($role,
				($loaded ? $LOAD : '') . "SELECT public.forge_invoker() AS state;\n$STATE");
			states_are($out, $expected{$role}, "$label: $role, superuser's function SET clause, $when", $err);
			ok( $out =~ /\|(true|false|null)\n.*\|(true|false|null)/s
				  || $err =~ /ERROR:  (access_policy\.identity can only be changed|permission denied to set parameter "access_policy\.identity")/,
				"$label: $role, superuser's function SET clause, $when: ran as nobody else, or was refused")
			  or diag($err);
			($ret, $out, $err) = run_as($role,
				($loaded ? $LOAD : '') . "SELECT public.forge_definer() AS state;\n$STATE");
			states_are($out, $expected{$role},
				"$label: $role, superuser's SECURITY DEFINER function SET clause, $when", $err);
		}
	}

	# connection options: the connection is refused, or the identity is not set
	foreach my $role ('tenant', 'mapped', 'postgres')
	{
		foreach my $loaded (0, 1)
		{
			local $ENV{PGOPTIONS} = '-c access_policy.identity=alice';
			($ret, $out, $err) = run_as($role, ($loaded ? $LOAD : '') . $STATE);
			if ($ret != 0 && $out eq '')
			{
				like($err, qr/permission denied|can only be changed/,
					"$label: $role, PGOPTIONS: connection refused");
			}
			else
			{
				states_are($out, $expected{$role},
					"$label: $role, PGOPTIONS, " . ($loaded ? 'after a check' : 'as the first statement'), $err);
			}
		}
	}
}

# The trusted route: a role granted EXECUTE on set_user.
my ($ret, $out, $err) = run_as('tenant', "SELECT access_policy.set_user('alice');\n$STATE");
like($err, qr/permission denied for function set_user/, 'tenant may not call set_user');
states_are($out, '<none>|false', 'tenant after set_user attempt');

($ret, $out, $err) = run_as(
	'app', qq{
BEGIN;
SELECT access_policy.set_user('alice');
$STATE
COMMIT;
$STATE
});
is($out, "\nalice|true\n<none>|false", 'app: set_user acts as alice, for the transaction only');
is($err, '', 'app: no error');

# ROLLBACK and ROLLBACK TO SAVEPOINT restore the identity that was in place
($ret, $out, $err) = run_as(
	'app', qq{
SELECT access_policy.set_user('bob', false);
BEGIN;
SELECT access_policy.set_user('alice');
$STATE
ROLLBACK;
$STATE
BEGIN;
SELECT access_policy.set_user('alice', false);
SAVEPOINT s1;
SELECT access_policy.set_user('carol', false);
$STATE
ROLLBACK TO SAVEPOINT s1;
$STATE
COMMIT;
$STATE
BEGIN;
SELECT access_policy.set_user('carol', false);
ROLLBACK;
$STATE
BEGIN;
SAVEPOINT s2;
SELECT access_policy.clear_user(false);
$STATE
ROLLBACK TO SAVEPOINT s2;
$STATE
COMMIT;
});
my @states = grep { /\|(true|false|null)$/ } split /\n/, $out;
is_deeply(
	\@states,
	[
		'alice|true',    # transaction identity over the session's bob
		'bob|false',     # ROLLBACK: bob again
		'carol|false',   # session identity set inside the savepoint
		'alice|true',    # ROLLBACK TO SAVEPOINT: alice again
		'alice|true',    # committed session identity
		'alice|true',    # a rolled-back session change is undone
		'<none>|false',  # cleared inside a savepoint
		'alice|true',    # ... and restored by ROLLBACK TO SAVEPOINT
	],
	'ROLLBACK and ROLLBACK TO SAVEPOINT restore the previous identity');
is($err, '', 'scoping: no error');

# Parallel query: workers act for the leader's user.  pdata has 200,000 rows
# spread over orgs 10..14: alice sees orgs 10 and 11 (80,000 rows), bob (via
# the mapping) sees org 13 (40,000), the tenant none.
$node->safe_psql(
	'postgres', q{
	CREATE TABLE public.pdata (id integer, org_id bigint NOT NULL, pad text);
	INSERT INTO public.pdata SELECT g, 10 + g % 5, repeat('x', 50) FROM generate_series(1, 200000) g;
	SELECT access_policy.protect_table('public.pdata', 'org_id', 'responses.view', 'responses.write');
	GRANT SELECT ON public.pdata TO app, mapped, tenant;
	ANALYZE public.pdata;
});

my $pg_version = $node->safe_psql('postgres', 'SHOW server_version_num');
my $force = $pg_version >= 160000 ? 'debug_parallel_query' : 'force_parallel_mode';
my $SERIAL = "SET max_parallel_workers_per_gather = 0;\n";
my $PARALLEL = qq{SET $force = on;
SET max_parallel_workers_per_gather = 4;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
};
# each query prints one line "R:count|sum"
my $Q_RLS = q{SELECT 'R:' || count(*) || '|' || coalesce(sum(id), 0) FROM public.pdata;};
my $Q_CAN =
  q{SELECT 'R:' || count(*) || '|' || coalesce(sum(id), 0) FROM public.pdata WHERE access_policy.can(org_id, 'settings.view');};
my $Q_WITH =
  q{SELECT 'R:' || count(*) || '|' || coalesce(sum(id), 0) FROM public.pdata WHERE org_id = ANY (access_policy.orgs_with('responses.view'));};
my $Q_ROW =
  q{SELECT 'R:' || count(*) || '|' || coalesce(sum(id), 0) FROM public.pdata WHERE access_policy.can_row(org_id, NULL, 'responses.view');};

# who => [ name, role, how the identity is established, expected rows ]
my @who = (
	[ 'alice via set_user', 'app', "SELECT access_policy.set_user('alice');\n", 80000 ],
	[ 'bob via the login mapping', 'mapped', '', 40000 ],
	[ 'nobody', 'tenant', '', 0 ]);
foreach my $w (@who)
{
	my ($name, $role, $become, $rows) = @$w;
	foreach my $q ($Q_RLS, $Q_CAN, $Q_WITH, $Q_ROW)
	{
		(my $plain = $q) =~ s/^SELECT 'R:' \|\| count\(\*\) \|\| '\|' \|\| coalesce\(sum\(id\), 0\)/SELECT count(*), sum(id)/;
		my ($r1, $serial, $e1) = run_as($role, "BEGIN;\n$become$SERIAL$q\nCOMMIT;");
		my ($r2, $parallel, $e2) = run_as($role,
			"BEGIN;\n$become$PARALLEL$q\nEXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) $plain\nCOMMIT;");
		my ($sres) = grep { /^R:/ } split /\n/, $serial;
		my ($pres) = grep { /^R:/ } split /\n/, $parallel;
		is($e1 . $e2, '', "parallel, $name: no error ($plain)");
		like($sres // '', qr/^R:$rows\|/, "serial, $name: $rows rows ($plain)");
		is($pres, $sres, "parallel, $name: same answer as serial ($plain)");
		like($parallel, qr/Workers Launched: [1-9]/, "parallel, $name: workers ran ($plain)");
	}
}

# Forging attempts.  The library is loaded on first use in each session; the
# planted settings and functions stay for the preloaded run below.
is($node->safe_psql('postgres', 'SHOW shared_preload_libraries'), '', 'not preloaded');
try_session_routes('not preloaded');
try_planted_routes('not preloaded', 0);

# The same routes with the library preloaded in every backend.
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'access_policy'\n");
$node->restart;
is($node->safe_psql('postgres', 'SHOW shared_preload_libraries'), 'access_policy', 'preloaded');
try_session_routes('preloaded');
try_planted_routes('preloaded', 1);

$node->safe_psql(
	'postgres', q{
	ALTER ROLE tenant RESET access_policy.identity;
	ALTER ROLE mapped RESET access_policy.identity;
	ALTER ROLE mapped IN DATABASE postgres RESET access_policy.identity;
	ALTER DATABASE postgres RESET access_policy.identity;
	DROP FUNCTION public.forge_invoker(), public.forge_definer();
});

# the server never crashed
ok(!$node->log_contains('terminated by signal'), 'no backend crashed');

$node->stop;
done_testing();
