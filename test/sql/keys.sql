-- keys: the application's own keys of orgs and resources (uuid, text,
-- integer, bigint): configuration, administration, every check, list and RLS
-- command by key, the planner support, invalidation, and the bad inputs.
-- Orgs 7101-7104, users key_*; leaves no key type configured.
\set VERBOSITY terse
SET TIME ZONE 'UTC';
SELECT access_policy.create_user('key_alice'), access_policy.create_user('key_bob');
SELECT access_policy.create_resource_kind('keypage');
SELECT access_policy.set_kind_action('keypage', 'open', '{responses.view}');
SELECT access_policy.set_kind_action('keypage', 'edit', '{responses.write}');

-- no key type configured: keys are refused, loudly
SELECT access_policy.can_key('0f0e0d0c-0000-4000-a000-000000000001'::uuid, 'responses.view');
SELECT access_policy.create_org('Keyed too early', NULL, NULL, 'x');
SELECT access_policy.org_id('x'::text);
-- ... except in a check of a NULL key, which is false like a NULL id
SELECT access_policy.can_key(NULL::uuid, 'responses.view');
-- bad configurations
SELECT access_policy.set_key_type('tenant', 'uuid');
SELECT access_policy.set_key_type('org', 'date');
SELECT access_policy.set_key_type('org', 'no_such_type');
BEGIN;
SET LOCAL ROLE regress_app;
SELECT access_policy.set_user('key_alice');
SELECT access_policy.set_key_type('org', 'uuid');
ROLLBACK;
SELECT count(*) FROM access_policy.key_types;

\set keytype uuid
\i test/sql/keys_round.psql
\set keytype text
\i test/sql/keys_round.psql
\set keytype integer
\i test/sql/keys_round.psql
\set keytype bigint
\i test/sql/keys_round.psql

-- bad inputs, with uuid keys
SELECT access_policy.set_key_type('org', 'uuid'), access_policy.set_key_type('resource', 'integer');
SELECT access_policy.create_org('Keyed', NULL, 7110, 'f0000000-0000-4000-a000-000000000010') AS keyed \gset
-- a key of the wrong type, text that is no uuid, an empty or too long key
SELECT access_policy.can_key(42, 'responses.view');
SELECT access_policy.can_key(42::bigint, 'responses.view');
SELECT access_policy.can_key(now()::date, 'responses.view');
SELECT access_policy.org_id(42);
SELECT access_policy.can_key('not a uuid', 'responses.view');
SELECT access_policy.create_org('Bad key', NULL, NULL, 'not a uuid');
SELECT access_policy.set_org_key(7110, '');
SELECT access_policy.set_org_key(7110, repeat('x', 300));
SELECT access_policy.can_resource_key('f0000000-0000-4000-a000-000000000010'::uuid, 'responses.view');
SELECT access_policy.can_resource_key(2147483648, 'responses.view') AS out_of_integer_range;
SELECT access_policy.can_resource_key('12x', 'responses.view');
-- an unknown action is an error, as by id, also for a key no resource has
SELECT access_policy.can_action_key(12345, 'fly');
-- an unregistered permission is an error, as by id
SELECT access_policy.can_key('f0000000-0000-4000-a000-000000000010'::uuid, 'no.such');
-- a direct write gets the same checks
UPDATE access_policy.orgs SET key = 'F0000000-0000-4000-A000-000000000011' WHERE id = 7110 RETURNING key;
UPDATE access_policy.orgs SET key = 'nope' WHERE id = 7110;
-- setting a key needs org.manage there
BEGIN;
SET LOCAL ROLE regress_app;
SELECT access_policy.set_user('key_alice');
SELECT access_policy.set_org_key(7110, 'f0000000-0000-4000-a000-000000000012');
ROLLBACK;
-- protect_table: the column's type must be the key type (or bigint ids)
CREATE TABLE keytest_bad (org_text text, org_int integer, org_uuid uuid, org_id bigint, page_uuid uuid, page_int integer);
SELECT access_policy.protect_table('keytest_bad', 'org_text', 'responses.view', 'responses.write');
SELECT access_policy.protect_table('keytest_bad', 'org_int', 'responses.view', 'responses.write');
SELECT access_policy.protect_table('keytest_bad', 'org_uuid', 'responses.view', 'responses.write', 'page_uuid');
SELECT access_policy.protect_table('keytest_bad', 'org_uuid', 'responses.view', 'responses.write', by_key => false);
SELECT access_policy.protect_table('keytest_bad', 'org_id', 'responses.view', 'responses.write', by_key => true);
SELECT access_policy.protect_table('keytest_bad', 'org_id', 'responses.view', 'responses.write', 'page_int');
SELECT count(*) FROM pg_policy WHERE polrelid = 'keytest_bad'::regclass;
-- both columns keys
SELECT access_policy.protect_table('keytest_bad', 'org_uuid', 'responses.view', 'responses.write', 'page_int');
SELECT polname, pg_get_expr(polqual, polrelid) AS using FROM pg_policy
 WHERE polrelid = 'keytest_bad'::regclass AND polname = 'access_policy_select';
DROP TABLE keytest_bad;
-- introspection shows the key: who_can(), who_can_resource(), the members,
-- invitation and support status views, access_graph()
SELECT access_policy.assign_role('key_alice', 7110, 'Admin') IS NOT NULL AS assigned;
SELECT access_policy.create_resource(7110, 'keypage', 'Keyed page') AS keyed_page \gset
SELECT user_id, held_at_org, held_at_key FROM access_policy.who_can('responses.view', 7110);
SELECT user_id, source, held_at_key FROM access_policy.who_can_resource('responses.view', :keyed_page);
BEGIN;
SET LOCAL ROLE regress_app;
SELECT access_policy.set_user('key_alice');
SELECT access_policy.invite(7110, 'keyed@example.com', 'Viewer') IS NOT NULL AS invited;
SELECT org_id, user_id, role, org_key FROM access_policy.members WHERE org_id = 7110;
SELECT org_id, email, org_key FROM access_policy.sent_invitations WHERE org_id = 7110;
SELECT org_id, email, org_key FROM access_policy.pending_invitations WHERE org_id = 7110;
SELECT org_id, level, org_key FROM access_policy.support_access_status WHERE org_id = 7110;
SELECT org_id, level, org_key FROM access_policy.support_status(7110);
SELECT position('key f0000000-0000-4000-a000-000000000011' IN access_policy.access_graph(7110)) > 0 AS graph_shows_key;
ROLLBACK;

-- the audit log records keys
SELECT action, after->>'key' AS key FROM access_policy.audit_log
 WHERE target_table = 'orgs' AND target_id = '7110' ORDER BY id;
SELECT action, after->>'type' AS type FROM access_policy.audit_log
 WHERE target_table = 'key_types' ORDER BY id DESC LIMIT 2;
SELECT access_policy.delete_org(7110, true);
-- bigint keys and a bigint column: ids or keys?  protect_table asks
SELECT access_policy.set_key_type('org', 'bigint');
CREATE TABLE keytest_big (org bigint);
SELECT access_policy.protect_table('keytest_big', 'org', 'responses.view', 'responses.write');
SELECT access_policy.protect_table('keytest_big', 'org', 'responses.view', 'responses.write', by_key => false);
SELECT pg_get_expr(polqual, polrelid) AS using FROM pg_policy WHERE polrelid = 'keytest_big'::regclass AND polname = 'access_policy_select';
SELECT access_policy.protect_table('keytest_big', 'org', 'responses.view', 'responses.write', by_key => true);
SELECT pg_get_expr(polqual, polrelid) AS using FROM pg_policy WHERE polrelid = 'keytest_big'::regclass AND polname = 'access_policy_select';
DROP TABLE keytest_big;
SELECT access_policy.set_key_type('org', NULL), access_policy.set_key_type('resource', NULL);
SELECT count(*) FROM access_policy.key_types;
