-- hardening_identity: identity and name resolution cases of issue #6 not
-- covered by identity.sql:
--   item 3:  a 1 MB identity, invalid encoding, control characters, an
--            unknown user: refused cleanly or acting as nobody, never a crash;
--   item 6:  prepared statements with forced generic plans, the identity
--            changed between executions, through a CTE, a subquery, an
--            inlined SQL function and a security_invoker view;
--   item 17: a hostile search_path with look-alike objects in public and
--            pg_temp (tables, functions, an operator) during administration
--            calls and checks: the extension uses only its own objects.
\set VERBOSITY terse
SET TIME ZONE 'UTC';
SELECT access_policy.create_org('HI A', NULL, 9900);
SELECT access_policy.create_org('HI B', NULL, 9901);
SELECT access_policy.create_user('hi_a');
SELECT access_policy.create_user('hi_b');
SELECT access_policy.assign_role('hi_a', 9900, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.assign_role('hi_b', 9901, 'Viewer') IS NOT NULL AS ok;
CREATE TABLE hi_notes (id int PRIMARY KEY, org_id bigint NOT NULL, body text);
INSERT INTO hi_notes SELECT g, 9900 + g % 2, 'n' || g FROM generate_series(1, 10) g;
SELECT access_policy.protect_table('hi_notes', 'org_id', 'responses.view', 'responses.write');
GRANT SELECT ON hi_notes TO regress_app;

-- item 3: malformed identities (each in a transaction: set_user's default
-- scope is the transaction)
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user(repeat('x', 1024 * 1024));
ROLLBACK;
BEGIN;
SELECT access_policy.set_user(convert_from('\xc328'::bytea, 'LATIN1'));	-- valid text, unknown user
SELECT access_policy.current_user_id() IS NULL AS unknown_acts_as_nobody,
	   (SELECT count(*) FROM hi_notes) AS rows_seen, access_policy.can(9900, 'responses.view') AS can;
ROLLBACK;
BEGIN;
SELECT access_policy.set_user(E'hi_a\n');
SELECT access_policy.current_user_id() IS NULL AS newline_is_another_user, access_policy.can(9900, 'responses.view') AS can;
ROLLBACK;
BEGIN;
SELECT access_policy.set_user(E'hi_a\x01');
SELECT access_policy.can(9900, 'responses.view') AS control_char_is_another_user;
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('hi_a');
SELECT access_policy.can(9900, 'responses.view') AS real_user, (SELECT count(*) FROM hi_notes) AS rows_seen;
ROLLBACK;
-- invalid UTF-8 cannot even reach the function: PostgreSQL rejects it first
SELECT access_policy.set_user(convert_from('\xc3'::bytea, 'UTF8'));
RESET ROLE;

-- item 6: generic plans reused across identities
CREATE FUNCTION hi_visible() RETURNS SETOF hi_notes LANGUAGE sql STABLE
AS $$ SELECT * FROM hi_notes $$;
CREATE VIEW hi_view WITH (security_invoker = true) AS SELECT id, org_id FROM hi_notes;
GRANT SELECT ON hi_view TO regress_app;
GRANT EXECUTE ON FUNCTION hi_visible() TO regress_app;
SET ROLE regress_app;
SET plan_cache_mode = force_generic_plan;
PREPARE hi_cte AS WITH v AS (SELECT org_id FROM hi_notes) SELECT count(*), min(org_id), max(org_id) FROM v;
PREPARE hi_sub AS SELECT count(*) FROM (SELECT * FROM hi_notes WHERE id > $1) s;
PREPARE hi_fn AS SELECT count(*), min(org_id) FROM hi_visible();
PREPARE hi_view_q AS SELECT count(*), min(org_id) FROM hi_view;
PREPARE hi_can AS SELECT access_policy.can($1, 'responses.view');
SELECT access_policy.set_user('hi_a', false);
EXECUTE hi_cte; EXECUTE hi_sub(0); EXECUTE hi_fn; EXECUTE hi_view_q; EXECUTE hi_can(9900);
SELECT access_policy.set_user('hi_b', false);
EXECUTE hi_cte; EXECUTE hi_sub(0); EXECUTE hi_fn; EXECUTE hi_view_q; EXECUTE hi_can(9900);
SELECT access_policy.clear_user(false);
EXECUTE hi_cte; EXECUTE hi_sub(0); EXECUTE hi_fn; EXECUTE hi_view_q; EXECUTE hi_can(9900);
DEALLOCATE ALL;
RESET plan_cache_mode;
RESET ROLE;

-- item 17: look-alike objects in public and pg_temp, first on the search_path
CREATE TABLE public.orgs (id bigint, name text, parent_id bigint);
CREATE TABLE public.assignments (user_id text, org_id bigint, role_id bigint);
CREATE TABLE public.audit_log (x int);
CREATE FUNCTION public.can(bigint, text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE FUNCTION public.current_user_id() RETURNS text LANGUAGE sql AS $$ SELECT 'hi_a' $$;
CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE sql AS $$ SELECT 'hijacked' $$;
CREATE FUNCTION public.hi_eq(bigint, bigint) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR public.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.hi_eq);
CREATE TEMP TABLE roles (id bigint, name text, org_id bigint);
GRANT ALL ON public.orgs, public.assignments, public.audit_log TO PUBLIC;
SET search_path = pg_temp, public, pg_catalog, access_policy;
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('hi_b');
-- the look-alike can() says yes to everything; the extension's says no
SELECT access_policy.can(9900, 'responses.write') AS real_can, public.can(9900, 'responses.write') AS fake_can;
SELECT count(*) AS rows_seen FROM hi_notes;
SAVEPOINT s;
SELECT access_policy.create_org('HI hostile', 9900);
ROLLBACK TO SAVEPOINT s;
SELECT access_policy.assign_role('hi_b', 9900, 'Admin');
ROLLBACK;
-- only the system chooses org ids; the sequence gives this one id 9902
RESET ROLE;
SELECT pg_catalog.setval('access_policy.orgs_id_seq', 9901) AS seq \gset
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('hi_a');
SELECT access_policy.create_org('HI child', 9900);
SELECT access_policy.assign_role('hi_b', 9902, 'Editor') IS NOT NULL AS assigned;
SELECT access_policy.invite(9900, 'HI@Example.com', 'Viewer') IS NOT NULL AS invited;
SELECT access_policy.set_support_access(9900, 'write', 'hostile path test') IS NOT NULL AS support_set;
SELECT access_policy.revoke_role('hi_b', 9902, 'Editor');
SELECT access_policy.rename_org(9902, 'HI child renamed');
SELECT access_policy.delete_org(9902);
COMMIT;
RESET ROLE;
-- nothing went to the look-alikes; everything went to the extension's tables
SELECT (SELECT count(*) FROM public.orgs) AS public_orgs, (SELECT count(*) FROM public.assignments) AS public_assignments,
	   (SELECT count(*) FROM public.audit_log) AS public_audit, (SELECT count(*) FROM pg_temp.roles) AS temp_roles;
SELECT email FROM access_policy.invitations WHERE org_id = 9900;
SELECT action, target_table FROM access_policy.audit_log
 WHERE target_table IN ('orgs', 'assignments', 'invitations', 'support_settings')
   AND (after ->> 'org_id' IN ('9900', '9902') OR after ->> 'id' = '9902' OR before ->> 'id' = '9902'
		OR before ->> 'org_id' = '9902')
 ORDER BY id;
RESET search_path;
DROP OPERATOR public.= (bigint, bigint);
DROP FUNCTION public.hi_eq(bigint, bigint), public.can(bigint, text), public.current_user_id(), public.lower(text);
DROP TABLE public.orgs, public.assignments, public.audit_log, pg_temp.roles;

-- item 17: CREATE EXTENSION with objects planted beforehand
CREATE ROLE hi_planter;
CREATE DATABASE hi_planted;
\c hi_planted
-- look-alikes in public do not matter: the script names only its own schema and pg_catalog
CREATE FUNCTION public.quote_ident(text) RETURNS text LANGUAGE sql AS $$ SELECT 'hijacked' $$;
CREATE FUNCTION public.length(text) RETURNS integer LANGUAGE sql AS $$ SELECT 0 $$;
CREATE TABLE public.users (id text);
CREATE EXTENSION access_policy;
SELECT count(*) AS builtin_roles FROM access_policy.roles WHERE org_id IS NULL;
SELECT count(*) AS public_users FROM public.users;
DROP EXTENSION access_policy;
DROP SCHEMA access_policy;
-- a schema of that name planted by another role, with a table of ours in it: refused
CREATE SCHEMA access_policy AUTHORIZATION hi_planter;
SET ROLE hi_planter;
CREATE TABLE access_policy.orgs (id bigint);
RESET ROLE;
CREATE EXTENSION access_policy;
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'access_policy';
\c contrib_regression
DROP DATABASE hi_planted;
DROP ROLE hi_planter;
