-- team: managing the members of an org (a "project"): the member list, the
-- built-in roles matrix checked cell by cell through RLS-protected tables,
-- invitations (tokens shown once, stored hashed, single use, expiring),
-- role changes, disabling and removing members, and the last-admin rule.
-- Tokens are random: they are captured with \gset and never printed; every
-- error below is printed in full, which also shows that none quotes a token.
\set VERBOSITY default
\set SHOW_CONTEXT never

--   9000 Team Acme ── 9001 Team Acme Labs        9002 Team Globex
SELECT access_policy.create_org('Team Acme', NULL, 9000);
SELECT access_policy.create_org('Team Acme Labs', 9000, 9001);
SELECT access_policy.create_org('Team Globex', NULL, 9002);
SELECT access_policy.create_user('team_owner', 'owner@team-acme.test', 'Olivia Owner');
SELECT access_policy.create_user('team_admin2', 'admin2@team-acme.test', 'Adam Admin');
SELECT access_policy.create_user('team_editor', 'editor@team-acme.test', 'Edith Editor');
SELECT access_policy.create_user('team_viewer', 'viewer@team-acme.test', 'Victor Viewer');
SELECT access_policy.create_user('team_manager', 'manager@team-acme.test', 'Mona Manager');
SELECT access_policy.create_user('team_labs', 'labs@team-acme.test', 'Lars Labs');
SELECT access_policy.create_user('team_globex', 'someone@team-globex.test', 'Gina Globex');
SELECT access_policy.create_user('team_new', 'New.Person@Team-Example.test', 'Nina New');
SELECT access_policy.create_user('team_other', 'other@team-example.test', 'Otto Other');
SELECT access_policy.create_user('team_noemail', NULL, 'Nora No-Email');
-- a custom role that may manage members but otherwise only look
SELECT access_policy.create_role(9000, 'Team manager',
	ARRAY['members.manage', 'reviews.view', 'responses.view', 'settings.view', 'integrations.view']) >= 1000 AS custom_role;
SELECT access_policy.assign_role('team_owner', 9000, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.assign_role('team_admin2', 9000, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.assign_role('team_editor', 9000, 'Editor') IS NOT NULL AS ok;
SELECT access_policy.assign_role('team_viewer', 9000, 'Viewer') IS NOT NULL AS ok;
SELECT access_policy.assign_role('team_manager', 9000, 'Team manager') IS NOT NULL AS ok;
SELECT access_policy.assign_role('team_labs', 9001, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.assign_role('team_globex', 9002, 'Viewer') IS NOT NULL AS ok;

-- the objects of this part: who may call what
SELECT p.pronamespace::regnamespace AS schema, p.proname AS function, p.prosecdef AS definer,
	   has_function_privilege('public', p.oid, 'EXECUTE') AS public, p.proconfig
  FROM pg_proc p
 WHERE p.pronamespace IN ('access_policy'::regnamespace, 'access_policy_internal'::regnamespace)
   AND p.proname IN ('invite', 'revoke_invitation', 'accept_invitation', 'change_role', 'set_member_enabled',
					 'remove_member', '_invitation_secret', '_hashes_equal', '_invitation_status',
					 '_lacking_permission', '_require_member_perms', '_lock_member', '_guard_last_admin')
 ORDER BY 1, 2;
SELECT c.relname, c.relkind, c.reloptions, has_table_privilege('public', c.oid, 'SELECT') AS public_select,
	   obj_description(c.oid, 'pg_class') IS NOT NULL AS commented
  FROM pg_class c
 WHERE c.relnamespace = 'access_policy'::regnamespace
   AND c.relname IN ('members', 'sent_invitations', 'pending_invitations', 'invitations', 'invitations_id_seq')
 ORDER BY c.relname;
-- every column users meet in \d+ is described
SELECT c.relname, a.attname AS uncommented_column
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace = 'access_policy'::regnamespace
   AND c.relname IN ('members', 'sent_invitations', 'pending_invitations', 'invitations')
   AND col_description(c.oid, a.attnum) IS NULL
 ORDER BY 1, 2;
SELECT tgname, tgtype FROM pg_trigger WHERE tgrelid = 'access_policy.invitations'::regclass AND NOT tgisinternal;
SELECT extconfig::regclass[] @> ARRAY['access_policy.invitations', 'access_policy.invitations_id_seq']::regclass[] AS dumped
  FROM pg_extension WHERE extname = 'access_policy';

------------------------------------------------------------------------------
-- The built-in roles, cell by cell.  Demo tenant tables, protected by
-- protect_table() with the permissions the application would use:
--   reviews (read reviews.view; reviews are imported, writing needs org.manage)
--   responses (responses.view / responses.write)
--   settings (settings.view / settings.edit)
--   integrations (integrations.view / integrations.edit)
--   billing (billing.manage / billing.manage)
-- Expected (the issue's matrix):
--                              Admin  Editor  Viewer
--   view reviews, responses      x      x       x
--   create/update/delete resp.   x      x
--   view settings, integrations  x      x       x
--   edit settings, integrations  x
--   manage billing               x
--   manage team members          x
--   delete project               x
------------------------------------------------------------------------------
CREATE TABLE team_reviews (id int PRIMARY KEY, org_id bigint NOT NULL, body text NOT NULL);
CREATE TABLE team_responses (id int PRIMARY KEY, org_id bigint NOT NULL, review_id int NOT NULL, body text NOT NULL);
CREATE TABLE team_settings (org_id bigint PRIMARY KEY, language text NOT NULL);
CREATE TABLE team_integrations (id int PRIMARY KEY, org_id bigint NOT NULL, kind text NOT NULL, enabled boolean NOT NULL);
CREATE TABLE team_billing (org_id bigint PRIMARY KEY, plan text NOT NULL);
INSERT INTO team_reviews VALUES (1, 9000, 'great'), (2, 9002, 'globex review');
INSERT INTO team_responses VALUES (1, 9000, 1, 'thank you'), (2, 9002, 2, 'globex response');
INSERT INTO team_settings VALUES (9000, 'en'), (9002, 'fr');
INSERT INTO team_integrations VALUES (1, 9000, 'slack', true), (2, 9002, 'teams', true);
INSERT INTO team_billing VALUES (9000, 'free'), (9002, 'pro');
SELECT access_policy.protect_table('team_reviews', 'org_id', 'reviews.view', 'org.manage');
SELECT access_policy.protect_table('team_responses', 'org_id', 'responses.view', 'responses.write');
SELECT access_policy.protect_table('team_settings', 'org_id', 'settings.view', 'settings.edit');
SELECT access_policy.protect_table('team_integrations', 'org_id', 'integrations.view', 'integrations.edit');
SELECT access_policy.protect_table('team_billing', 'org_id', 'billing.manage', 'billing.manage');
GRANT SELECT, INSERT, UPDATE, DELETE ON team_reviews, team_responses, team_settings, team_integrations, team_billing
	TO regress_app;

-- team_try(sql): runs one statement as the caller, reports whether it did
-- anything, and undoes it (so every cell starts from the same data)
CREATE FUNCTION team_try(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	BEGIN
		EXECUTE sql;
		GET DIAGNOSTICS n = ROW_COUNT;
		RAISE EXCEPTION USING ERRCODE = 'UNDO1', MESSAGE = n::text;
	EXCEPTION
		WHEN SQLSTATE 'UNDO1' THEN
			RETURN CASE WHEN SQLERRM::bigint > 0 THEN 'allowed' ELSE 'denied (no rows)' END;
		WHEN OTHERS THEN
			RETURN 'denied: ' || SQLERRM;
	END;
END;
$$;
CREATE TABLE team_cells (n int PRIMARY KEY, cell text NOT NULL, sql text NOT NULL);
INSERT INTO team_cells VALUES
	(1, 'view reviews', 'SELECT * FROM team_reviews WHERE org_id = 9000'),
	(2, 'view responses', 'SELECT * FROM team_responses WHERE org_id = 9000'),
	(3, 'create responses', 'INSERT INTO team_responses VALUES (3, 9000, 1, ''we are on it'')'),
	(4, 'update responses', 'UPDATE team_responses SET body = ''edited'' WHERE org_id = 9000'),
	(5, 'delete responses', 'DELETE FROM team_responses WHERE org_id = 9000'),
	(6, 'view settings', 'SELECT * FROM team_settings WHERE org_id = 9000'),
	(7, 'edit settings', 'UPDATE team_settings SET language = ''de'' WHERE org_id = 9000'),
	(8, 'view integrations', 'SELECT * FROM team_integrations WHERE org_id = 9000'),
	(9, 'edit integrations', 'UPDATE team_integrations SET enabled = false WHERE org_id = 9000'),
	(10, 'manage billing', 'UPDATE team_billing SET plan = ''business'' WHERE org_id = 9000 RETURNING plan'),
	(11, 'manage team members', 'SELECT access_policy.invite(9000, ''matrix@team-example.test'', ''Viewer'')'),
	(12, 'delete project', 'SELECT access_policy.delete_org(9000, cascade => true)'),
	(13, 'view member list', 'SELECT * FROM access_policy.members WHERE org_id = 9000');
GRANT SELECT ON team_cells TO regress_app;

SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('team_owner');
SELECT n, cell, team_try(sql) AS admin FROM team_cells ORDER BY n;
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('team_editor');
SELECT n, cell, team_try(sql) AS editor FROM team_cells ORDER BY n;
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('team_viewer');
SELECT n, cell, team_try(sql) AS viewer FROM team_cells ORDER BY n;
ROLLBACK;
-- somebody with no role in the project
BEGIN;
SELECT access_policy.set_user('team_other');
SELECT n, cell, team_try(sql) AS outsider FROM team_cells ORDER BY n;
ROLLBACK;
RESET ROLE;
-- nothing was changed
SELECT * FROM team_responses ORDER BY id;
SELECT org_id, language FROM team_settings ORDER BY org_id;
SELECT org_id, plan FROM team_billing ORDER BY org_id;
SELECT count(*) AS invitations FROM access_policy.invitations;

------------------------------------------------------------------------------
-- The member list: anybody with settings.view at the org (here all three
-- built-in roles, and access inherited from a parent org), nobody else.
------------------------------------------------------------------------------
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('team_viewer');
SELECT org_id, user_id, display_name, email, role, status, added_by, added_by_name, added_at IS NOT NULL AS has_added_at
  FROM access_policy.members ORDER BY org_id, user_id, role;
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('team_globex');
SELECT org_id, user_id, role, status FROM access_policy.members ORDER BY org_id, user_id;
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('team_other');
SELECT count(*) AS outsider_sees FROM access_policy.members;
ROLLBACK;
SELECT count(*) AS nobody_sees FROM access_policy.members;
-- the tables behind the views stay private
SELECT count(*) FROM access_policy.invitations;
RESET ROLE;
SET ROLE regress_tenant;
SELECT count(*) AS tenant_sees FROM access_policy.members;
SELECT count(*) AS tenant_sees FROM access_policy.sent_invitations;
SELECT access_policy.invite(9000, 'x@team-example.test', 'Viewer');
RESET ROLE;

------------------------------------------------------------------------------
-- Invitations.  invite() returns '<id>.<secret>' once; the secret is 43
-- base64url characters (32 random bytes); only its SHA-256 is stored.
------------------------------------------------------------------------------
SET ROLE regress_app;
SELECT access_policy.set_user('team_owner', false);
SELECT access_policy.invite(9000, 'New.Person@Team-Example.test', 'Editor') AS tok1 \gset
SELECT length(:'tok1') - length(split_part(:'tok1', '.', 1)) - 1 AS secret_length,
	   :'tok1' ~ '^[0-9]+\.[A-Za-z0-9_-]{43}$' AS token_shape,
	   split_part(:'tok1', '.', 1) AS invitation_id;
SELECT id, org_id, email, role, invited_by, invited_by_name, extract(epoch FROM expires_at - invited_at)::int AS lifetime_seconds,
	   time_left > interval '23 hours 59 minutes' AND time_left <= interval '24 hours' AS about_a_day_left
  FROM access_policy.pending_invitations ORDER BY id;
SELECT id, email, role, status, accepted_by, revoked_by, replaced_by FROM access_policy.sent_invitations ORDER BY id;
RESET ROLE;
-- the stored hash is SHA-256 of the secret, not the token; neither the token
-- nor the secret appears in the row or in its audit rows
SELECT i.id,
	   i.token_hash = sha256(convert_to(split_part(:'tok1', '.', 2), 'UTF8')) AS hash_of_secret,
	   octet_length(i.token_hash) AS hash_bytes,
	   i.token_hash::text <> :'tok1' AND i.token_hash <> convert_to(:'tok1', 'UTF8') AS hash_is_not_token,
	   strpos(i::text, split_part(:'tok1', '.', 2)) = 0 AS secret_not_in_row
  FROM access_policy.invitations i WHERE i.id = split_part(:'tok1', '.', 1)::bigint;
SELECT action, target_table, target_id, actor_user, db_role, after ? 'token_hash' AS has_hash,
	   strpos(after::text, split_part(:'tok1', '.', 2)) = 0 AS secret_not_in_audit
  FROM access_policy.audit_log WHERE target_table = 'invitations' ORDER BY id;

-- who may invite whom
SET ROLE regress_app;
SELECT access_policy.set_user('team_viewer', false);
SELECT access_policy.invite(9000, 'someone@team-example.test', 'Viewer');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.set_user('team_manager', false);
-- a manager without responses.write cannot hand it out, nor Admin
SELECT access_policy.invite(9000, 'someone@team-example.test', 'Editor');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.invite(9000, 'someone@team-example.test', 'Admin');
\echo SQLSTATE :SQLSTATE
-- but may invite with a role whose permissions they hold
SELECT access_policy.invite(9000, 'friend@team-example.test', 'Viewer') AS tok_friend \gset
SELECT access_policy.set_user('team_owner', false);
SELECT access_policy.invite(9000, 'someone@team-example.test', 'Owner');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.invite(9999, 'someone@team-example.test', 'Viewer');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.invite(9000, 'not an email', 'Viewer');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.invite(9000, NULL, 'Viewer');
\echo SQLSTATE :SQLSTATE
-- a member (any case of their email) cannot be invited again
SELECT access_policy.invite(9000, 'EDITOR@team-acme.test', 'Viewer');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.clear_user(false);
SELECT access_policy.invite(9000, 'someone@team-example.test', 'Viewer');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
-- the lifetime is a superuser setting
SET ROLE regress_app;
SET access_policy.invitation_lifetime = '1h';
RESET ROLE;
SHOW access_policy.invitation_lifetime;

-- re-inviting an address with a pending invitation replaces it: the old one is
-- revoked (replaced_by points to the new one) and a new token is returned
SET ROLE regress_app;
SELECT access_policy.set_user('team_owner', false);
SELECT access_policy.invite(9000, 'new.person@team-example.test', 'Viewer') AS tok2 \gset
SELECT :'tok2' <> :'tok1' AS new_token, split_part(:'tok2', '.', 1) AS invitation_id;
SELECT id, email, role, status, invited_by, revoked_by, replaced_by FROM access_policy.sent_invitations ORDER BY id;
SELECT id, email, role FROM access_policy.pending_invitations ORDER BY id;

-- accepting: wrong token, wrong user, nobody acting, replaced token
SELECT access_policy.set_user('team_new', false);
SELECT access_policy.accept_invitation(:'tok1');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.accept_invitation(split_part(:'tok2', '.', 1) || '.' || repeat('A', 43));
\echo SQLSTATE :SQLSTATE
SELECT access_policy.accept_invitation('999999.' || split_part(:'tok2', '.', 2));
\echo SQLSTATE :SQLSTATE
SELECT access_policy.accept_invitation('9999999999999999999.' || split_part(:'tok2', '.', 2));
\echo SQLSTATE :SQLSTATE
SELECT access_policy.accept_invitation(split_part(:'tok2', '.', 2));
\echo SQLSTATE :SQLSTATE
SELECT access_policy.accept_invitation(:'tok2' || 'x');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.accept_invitation('not a token');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.accept_invitation('');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.accept_invitation(NULL);
\echo SQLSTATE :SQLSTATE
SELECT access_policy.set_user('team_other', false);
SELECT access_policy.accept_invitation(:'tok2');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.set_user('team_noemail', false);
SELECT access_policy.accept_invitation(:'tok2');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.clear_user(false);
SELECT access_policy.accept_invitation(:'tok2');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
-- nothing changed: still pending, team_new still no member
SELECT id, accepted_at, accepted_by, revoked_at IS NOT NULL AS revoked FROM access_policy.invitations ORDER BY id;
SELECT count(*) AS team_new_roles FROM access_policy.assignments WHERE user_id = 'team_new';

-- the right user, email matched ignoring case: a member with the invited role,
-- added by the inviter
SET ROLE regress_app;
SELECT access_policy.set_user('team_new', false);
SELECT access_policy.accept_invitation(:'tok2') AS joined_org;
SELECT org_id, user_id, role, status, added_by, added_by_name FROM access_policy.members
 WHERE user_id = 'team_new';
SELECT access_policy.can(9000, 'responses.view') AS can_view, access_policy.can(9000, 'responses.write') AS can_write;
-- once only
SELECT access_policy.accept_invitation(:'tok2');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.set_user('team_owner', false);
SELECT id, email, role, status, accepted_by, accepted_at IS NOT NULL AS accepted FROM access_policy.sent_invitations ORDER BY id;
SELECT access_policy.revoke_invitation(split_part(:'tok2', '.', 1)::bigint);
\echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT action, target_table, target_id, actor_user, before->>'accepted_by' AS before_accepted_by,
	   after->>'accepted_by' AS after_accepted_by
  FROM access_policy.audit_log WHERE target_table = 'invitations' ORDER BY id DESC LIMIT 1;
SELECT action, actor_user, after->>'user_id' AS user_id, after->>'org_id' AS org_id, after->>'role_id' AS role_id,
	   after->>'added_by' AS added_by
  FROM access_policy.audit_log WHERE target_table = 'assignments' ORDER BY id DESC LIMIT 1;

-- revoking: any time before acceptance, by a holder of members.manage
SET ROLE regress_app;
SELECT access_policy.set_user('team_owner', false);
SELECT access_policy.invite(9000, 'other@team-example.test', 'Editor') AS tok3 \gset
SELECT access_policy.set_user('team_viewer', false);
SELECT access_policy.revoke_invitation(split_part(:'tok3', '.', 1)::bigint);
\echo SQLSTATE :SQLSTATE
SELECT access_policy.set_user('team_owner', false);
SELECT access_policy.revoke_invitation(424242);
\echo SQLSTATE :SQLSTATE
SELECT access_policy.revoke_invitation(split_part(:'tok3', '.', 1)::bigint);
SELECT access_policy.revoke_invitation(split_part(:'tok3', '.', 1)::bigint);
\echo SQLSTATE :SQLSTATE
SELECT id, email, status, revoked_by, revoked_at IS NOT NULL AS revoked FROM access_policy.sent_invitations
 WHERE id = split_part(:'tok3', '.', 1)::bigint;
SELECT access_policy.set_user('team_other', false);
SELECT access_policy.accept_invitation(:'tok3');
\echo SQLSTATE :SQLSTATE
RESET ROLE;

-- expiry: 24 hours by default.  An invitation sent to an address nobody has
-- signed up with yet, then (as superuser) moved 25 hours into the past
SET ROLE regress_app;
SELECT access_policy.set_user('team_owner', false);
SELECT access_policy.invite(9000, 'late@team-example.test', 'Viewer') AS tok4 \gset
RESET ROLE;
SELECT access_policy.clear_user(false);
SELECT access_policy.create_user('team_late', 'late@team-example.test', 'Luke Late');
UPDATE access_policy.invitations
   SET invited_at = invited_at - interval '25 hours', expires_at = expires_at - interval '25 hours'
 WHERE id = split_part(:'tok4', '.', 1)::bigint;
SET ROLE regress_app;
SELECT access_policy.set_user('team_late', false);
SELECT access_policy.accept_invitation(:'tok4');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.set_user('team_owner', false);
SELECT id, email, status FROM access_policy.sent_invitations WHERE email = 'late@team-example.test' ORDER BY id;
SELECT count(*) AS pending_for_late FROM access_policy.pending_invitations WHERE email = 'late@team-example.test';
SELECT access_policy.revoke_invitation(split_part(:'tok4', '.', 1)::bigint);
\echo SQLSTATE :SQLSTATE
-- sending a new one: the expired one stays expired, pointing to its replacement
SELECT access_policy.invite(9000, 'late@team-example.test', 'Viewer') AS tok5 \gset
SELECT id, email, status, revoked_by, replaced_by FROM access_policy.sent_invitations
 WHERE email = 'late@team-example.test' ORDER BY id;
SELECT access_policy.set_user('team_late', false);
SELECT access_policy.accept_invitation(:'tok4');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.accept_invitation(:'tok5') AS joined_org;
RESET ROLE;
SELECT access_policy.clear_user(false);

-- the lifetime comes from access_policy.invitation_lifetime when it is sent;
-- a superuser acting as no user may invite too (invited_by stays NULL)
SET access_policy.invitation_lifetime = '1h';
SELECT access_policy.invite(9001, 'labs2@team-acme.test', 'Viewer') AS tok6 \gset
RESET access_policy.invitation_lifetime;
SELECT id, org_id, invited_by, extract(epoch FROM expires_at - invited_at)::int AS lifetime_seconds FROM access_policy.invitations
 WHERE id = split_part(:'tok6', '.', 1)::bigint;

-- an invitation carries its sender's authority: when the sender loses
-- members.manage or a permission of the role, it cannot be accepted; when
-- they get it back, it can
SELECT access_policy.create_user('team_hire', 'hire@team-example.test', 'Hector Hire');
SET ROLE regress_app;
SELECT access_policy.set_user('team_admin2', false);
SELECT access_policy.invite(9000, 'hire@team-example.test', 'Admin') AS tok7 \gset
SELECT access_policy.set_user('team_owner', false);
SELECT access_policy.change_role('team_admin2', 9000, 'Viewer') IS NOT NULL AS demoted;
SELECT access_policy.set_user('team_hire', false);
SELECT access_policy.accept_invitation(:'tok7');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.set_user('team_owner', false);
SELECT access_policy.change_role('team_admin2', 9000, 'Admin') IS NOT NULL AS promoted;
SELECT access_policy.set_user('team_hire', false);
SELECT access_policy.accept_invitation(:'tok7') AS joined_org;
SELECT role, added_by FROM access_policy.members WHERE user_id = 'team_hire';

-- somebody who became a member in another way meanwhile cannot accept; the
-- invitation stays pending until revoked
SELECT access_policy.set_user('team_manager', false);
SELECT access_policy.invite(9000, 'other@team-example.test', 'Viewer') AS tok8 \gset
SELECT access_policy.assign_role('team_other', 9000, 'Viewer') IS NOT NULL AS assigned;
SELECT access_policy.set_user('team_other', false);
SELECT access_policy.accept_invitation(:'tok8');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.set_user('team_manager', false);
SELECT access_policy.revoke_invitation(split_part(:'tok8', '.', 1)::bigint);
-- the manager's own invitation is still pending
SELECT id, email, role, invited_by, invited_by_name FROM access_policy.pending_invitations ORDER BY id;
SELECT access_policy.set_user('team_viewer', false);
SELECT count(*) AS viewer_sees_invitations FROM access_policy.sent_invitations;
SELECT count(*) AS viewer_sees_pending FROM access_policy.pending_invitations;
RESET ROLE;
SELECT access_policy.clear_user(false);

-- every invitation and its status, as the owner sees them
SET ROLE regress_app;
SELECT access_policy.set_user('team_owner', false);
SELECT id, org_id, email, role, status, invited_by, accepted_by, revoked_by, replaced_by
  FROM access_policy.sent_invitations ORDER BY id;
RESET ROLE;
-- no audit row and no invitation row holds a token or its secret
SELECT (SELECT count(*) FROM access_policy.audit_log WHERE target_table = 'invitations') AS invitation_audit_rows,
	   (SELECT count(*)
		  FROM access_policy.audit_log a,
			   unnest(ARRAY[:'tok1', :'tok2', :'tok3', :'tok4', :'tok5', :'tok6', :'tok7', :'tok8', :'tok_friend']) AS t
		 WHERE strpos(coalesce(a.before::text, '') || coalesce(a.after::text, ''), split_part(t, '.', 2)) > 0) AS audit_rows_with_a_secret,
	   (SELECT count(*)
		  FROM access_policy.invitations i,
			   unnest(ARRAY[:'tok1', :'tok2', :'tok3', :'tok4', :'tok5', :'tok6', :'tok7', :'tok8', :'tok_friend']) AS t
		 WHERE strpos(i::text, split_part(t, '.', 2)) > 0) AS invitations_with_a_secret;

------------------------------------------------------------------------------
-- Role changes
------------------------------------------------------------------------------
SET ROLE regress_app;
SELECT access_policy.set_user('team_owner', false);
-- nobody changes their own role, admins included
SELECT access_policy.change_role('team_owner', 9000, 'Viewer');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.change_role('team_owner', 9000, 'Admin');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.change_role('team_nobody', 9000, 'Viewer');
\echo SQLSTATE :SQLSTATE
-- a member of another org, or of the child org only, is not a member here
SELECT access_policy.change_role('team_globex', 9000, 'Viewer');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.change_role('team_labs', 9000, 'Viewer');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.change_role('team_editor', 9000, 'Owner');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.change_role('team_editor', 9999, 'Viewer');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.set_user('team_viewer', false);
SELECT access_policy.change_role('team_editor', 9000, 'Viewer');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.set_user('team_manager', false);
-- nobody grants a role carrying permissions they do not hold ...
SELECT access_policy.change_role('team_viewer', 9000, 'Editor');
\echo SQLSTATE :SQLSTATE
-- ... nor takes one away
SELECT access_policy.change_role('team_editor', 9000, 'Viewer');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.change_role('team_owner', 9000, 'Viewer');
\echo SQLSTATE :SQLSTATE
-- within their own permissions a manager may
SELECT access_policy.change_role('team_other', 9000, 'Team manager') IS NOT NULL AS changed;
SELECT access_policy.change_role('team_other', 9000, 'Viewer') IS NOT NULL AS changed;
-- the owner demotes the editor: one audit row with the role before and after
SELECT access_policy.set_user('team_owner', false);
SELECT access_policy.change_role('team_editor', 9000, 'Viewer') IS NOT NULL AS changed;
RESET ROLE;
SELECT action, target_table, actor_user, before->>'user_id' AS user_id, before->>'role_id' AS role_before,
	   after->>'role_id' AS role_after, before->>'added_at' = after->>'added_at' AS same_membership
  FROM access_policy.audit_log WHERE target_table = 'assignments' ORDER BY id DESC LIMIT 1;
-- changing to the role someone already has alone changes nothing
SELECT max(id) AS last_audit FROM access_policy.audit_log \gset
SET ROLE regress_app;
SELECT access_policy.change_role('team_editor', 9000, 'Viewer') IS NOT NULL AS unchanged;
RESET ROLE;
SELECT count(*) AS new_audit_rows FROM access_policy.audit_log WHERE id > :last_audit;
-- several roles at the org become the one new role: the row already carrying
-- it is kept, the others deleted
SELECT access_policy.clear_user(false);
SELECT access_policy.assign_role('team_editor', 9000, 'Team manager') IS NOT NULL AS second_role;
SELECT access_policy.assign_role('team_editor', 9000, 'Editor') IS NOT NULL AS third_role;
SET ROLE regress_app;
SELECT access_policy.set_user('team_owner', false);
SELECT role, status FROM access_policy.members WHERE user_id = 'team_editor' AND org_id = 9000 ORDER BY role;
SELECT access_policy.change_role('team_editor', 9000, 'Editor') IS NOT NULL AS changed;
SELECT role, status FROM access_policy.members WHERE user_id = 'team_editor' AND org_id = 9000 ORDER BY role;
RESET ROLE;
SELECT a.action, a.actor_user, rb.name AS role_before, ra.name AS role_after
  FROM access_policy.audit_log a
  LEFT JOIN access_policy.roles rb ON rb.id = (a.before->>'role_id')::bigint
  LEFT JOIN access_policy.roles ra ON ra.id = (a.after->>'role_id')::bigint
 WHERE a.id > :last_audit AND a.target_table = 'assignments' ORDER BY a.id;

------------------------------------------------------------------------------
-- Disabling: the membership stays, it grants nothing
------------------------------------------------------------------------------
SET ROLE regress_app;
SELECT access_policy.set_user('team_owner', false);
SELECT access_policy.set_member_enabled('team_editor', 9000, false);
SELECT user_id, role, status FROM access_policy.members WHERE user_id = 'team_editor';
SELECT access_policy.set_user('team_editor', false);
SELECT access_policy.can(9000, 'reviews.view') AS disabled_can_view,
	   (SELECT count(*) FROM team_reviews) AS disabled_reviews,
	   (SELECT count(*) FROM access_policy.members) AS disabled_sees_members;
SELECT access_policy.set_user('team_owner', false);
SELECT access_policy.set_member_enabled('team_owner', 9000, false);
\echo SQLSTATE :SQLSTATE
SELECT access_policy.set_member_enabled('team_editor', 9000, NULL);
\echo SQLSTATE :SQLSTATE
SELECT access_policy.set_member_enabled('team_globex', 9000, false);
\echo SQLSTATE :SQLSTATE
SELECT access_policy.set_user('team_manager', false);
SELECT access_policy.set_member_enabled('team_editor', 9000, true);
\echo SQLSTATE :SQLSTATE
SELECT access_policy.set_user('team_viewer', false);
SELECT access_policy.set_member_enabled('team_editor', 9000, true);
\echo SQLSTATE :SQLSTATE
SELECT access_policy.set_user('team_owner', false);
SELECT access_policy.set_member_enabled('team_editor', 9000, true);
SELECT user_id, role, status FROM access_policy.members WHERE user_id = 'team_editor';
SELECT access_policy.set_user('team_editor', false);
SELECT access_policy.can(9000, 'reviews.view') AS enabled_can_view;
RESET ROLE;

------------------------------------------------------------------------------
-- Removing
------------------------------------------------------------------------------
SET ROLE regress_app;
SELECT access_policy.set_user('team_manager', false);
SELECT access_policy.remove_member('team_editor', 9000);
\echo SQLSTATE :SQLSTATE
SELECT access_policy.remove_member('team_other', 9000);
SELECT access_policy.remove_member('team_other', 9000);
\echo SQLSTATE :SQLSTATE
SELECT count(*) AS other_rows FROM access_policy.members WHERE user_id = 'team_other';
SELECT access_policy.set_user('team_viewer', false);
SELECT access_policy.remove_member('team_new', 9000);
\echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT action, actor_user, before->>'user_id' AS user_id, after IS NULL AS deleted
  FROM access_policy.audit_log WHERE target_table = 'assignments' ORDER BY id DESC LIMIT 1;

------------------------------------------------------------------------------
-- The last enabled Admin (built-in Admin directly at the org, enabled, valid
-- now) cannot be demoted, disabled or removed.  At 9001 team_labs is the only
-- one; team_owner administers 9001 through 9000, which does not count.
------------------------------------------------------------------------------
SET ROLE regress_app;
SELECT access_policy.set_user('team_owner', false);
SELECT access_policy.change_role('team_labs', 9001, 'Editor');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.set_member_enabled('team_labs', 9001, false);
\echo SQLSTATE :SQLSTATE
SELECT access_policy.remove_member('team_labs', 9001);
\echo SQLSTATE :SQLSTATE
-- the last admin may not leave either
SELECT access_policy.set_user('team_labs', false);
SELECT access_policy.remove_member('team_labs', 9001);
\echo SQLSTATE :SQLSTATE
-- a disabled second Admin, or one not valid yet, does not count
SELECT access_policy.set_user('team_owner', false);
SELECT access_policy.assign_role('team_viewer', 9001, 'Admin') IS NOT NULL AS second_admin;
SELECT access_policy.set_member_enabled('team_viewer', 9001, false);
SELECT access_policy.change_role('team_labs', 9001, 'Editor');
\echo SQLSTATE :SQLSTATE
SELECT access_policy.remove_member('team_viewer', 9001);
SELECT access_policy.assign_role('team_viewer', 9001, 'Admin', valid_from => now() + interval '1 day') IS NOT NULL AS future_admin;
SELECT access_policy.set_member_enabled('team_labs', 9001, false);
\echo SQLSTATE :SQLSTATE
SELECT user_id, role, status FROM access_policy.members WHERE org_id = 9001 ORDER BY user_id;
RESET ROLE;
-- a superuser acting as no user is held to it too
SELECT access_policy.clear_user(false);
SELECT access_policy.remove_member('team_labs', 9001);
\echo SQLSTATE :SQLSTATE
-- with a second enabled Admin, the first may be demoted
SELECT access_policy.remove_member('team_viewer', 9001);
SELECT access_policy.assign_role('team_viewer', 9001, 'Admin') IS NOT NULL AS second_admin;
SET ROLE regress_app;
SELECT access_policy.set_user('team_owner', false);
SELECT access_policy.change_role('team_labs', 9001, 'Editor') IS NOT NULL AS demoted;
-- and now team_viewer is the last one
SELECT access_policy.change_role('team_viewer', 9001, 'Editor');
\echo SQLSTATE :SQLSTATE
-- at 9000 there are three admins: one may leave; promoting is never refused
SELECT access_policy.set_user('team_admin2', false);
SELECT access_policy.remove_member('team_admin2', 9000);
SELECT access_policy.set_user('team_owner', false);
SELECT access_policy.change_role('team_hire', 9000, 'Viewer') IS NOT NULL AS demoted;
SELECT access_policy.remove_member('team_owner', 9000);
\echo SQLSTATE :SQLSTATE
SELECT user_id, role, status, added_by FROM access_policy.members WHERE org_id = 9000 ORDER BY user_id, role;
SELECT access_policy.clear_user(false);
RESET ROLE;
