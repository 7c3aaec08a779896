-- identity: who is acting, and that ordinary SQL cannot forge it.
\set VERBOSITY terse
SELECT access_policy.create_user('id_alice', 'id_alice@example.com', 'Alice');
SELECT access_policy.create_user('0b7e9c2a-1f43-4c55-9a51-2b3c4d5e6f70', NULL, 'Uuid User');
SELECT access_policy.create_org('Identity Org', NULL, 100);
SELECT access_policy.assign_role('id_alice', 100, 'Viewer') IS NOT NULL AS assigned;
SELECT access_policy.assign_role('0b7e9c2a-1f43-4c55-9a51-2b3c4d5e6f70', 100, 'Admin') IS NOT NULL AS assigned;

-- nobody acting: no access, no error
SET ROLE regress_app;
SELECT access_policy.current_user_id() IS NULL AS no_user, access_policy.can(100, 'settings.view');

-- a transaction-scoped identity (the default) ends with the transaction
BEGIN;
SELECT access_policy.set_user('id_alice');
SELECT access_policy.current_user_id(), access_policy.can(100, 'settings.view'), access_policy.can(100, 'settings.edit');
COMMIT;
SELECT access_policy.current_user_id() IS NULL AS gone_after_commit, access_policy.can(100, 'settings.view');

-- ROLLBACK and ROLLBACK TO SAVEPOINT restore the previous identity
BEGIN;
SELECT access_policy.set_user('id_alice');
SAVEPOINT s1;
SELECT access_policy.set_user('0b7e9c2a-1f43-4c55-9a51-2b3c4d5e6f70'::uuid);
SELECT access_policy.current_user_id(), access_policy.can(100, 'settings.edit');
ROLLBACK TO SAVEPOINT s1;
SELECT access_policy.current_user_id(), access_policy.can(100, 'settings.edit');
ROLLBACK;
SELECT access_policy.current_user_id() IS NULL AS gone_after_rollback;

-- session scope survives transactions until cleared; a rolled-back change is undone
SELECT access_policy.set_user('id_alice', false);
SELECT access_policy.current_user_id();
BEGIN;
SELECT access_policy.set_user('0b7e9c2a-1f43-4c55-9a51-2b3c4d5e6f70', false);
ROLLBACK;
SELECT access_policy.current_user_id();
-- RESET ALL leaves the identity alone
RESET ALL;
SELECT access_policy.current_user_id();
SELECT access_policy.clear_user(false);
SELECT access_policy.current_user_id() IS NULL AS cleared;

-- bad identities: refused or acting as nobody, never an error mid-scan
SELECT access_policy.set_user(NULL::text);
SELECT access_policy.set_user('');
SELECT access_policy.set_user(repeat('x', 257));
BEGIN;
SELECT access_policy.set_user('no_such_user');
SELECT access_policy.current_user_id() IS NULL AS unknown_is_nobody, access_policy.can(100, 'settings.view');
COMMIT;
RESET ROLE;

-- an untrusted role cannot choose who it is
SET ROLE regress_tenant;
SELECT access_policy.set_user('id_alice');
SET access_policy.identity = 'id_alice';
SELECT set_config('access_policy.identity', 'id_alice', false);
RESET access_policy.identity;
RESET ALL;
SELECT access_policy.current_user_id() IS NULL AS still_nobody, access_policy.can(100, 'settings.view');
RESET ROLE;

-- not even a superuser sets the identity setting directly, nor through a function SET clause
SET access_policy.identity = 'id_alice';
SELECT set_config('access_policy.identity', 'id_alice', true);
CREATE FUNCTION regress_forge() RETURNS text LANGUAGE sql
	SET access_policy.identity = 'id_alice' AS 'SELECT access_policy.current_user_id()';
ALTER ROLE regress_tenant SET access_policy.identity = 'id_alice';
SELECT access_policy.current_user_id() IS NULL AS still_nobody;
-- the prefix is reserved: no placeholder can be planted next to it
SET access_policy.identiti = 'id_alice';

-- a psql administrator acts as the user their login role is mapped to
SELECT access_policy.map_login('regress_dba', 'id_alice');
SET ROLE regress_dba;
SELECT access_policy.current_user_id(), access_policy.can(100, 'settings.view');
RESET ROLE;
-- an explicit identity wins over the mapping; the mapping applies again after it
SELECT access_policy.map_login('regress_app', 'id_alice');
SET ROLE regress_app;
SELECT access_policy.current_user_id();
BEGIN;
SELECT access_policy.set_user('0b7e9c2a-1f43-4c55-9a51-2b3c4d5e6f70');
SELECT access_policy.current_user_id();
COMMIT;
SELECT access_policy.current_user_id();
RESET ROLE;
SELECT access_policy.unmap_login('regress_app');
SELECT access_policy.map_login('regress_nobody_role', 'id_alice');
SELECT access_policy.map_login('regress_dba', 'no_such_user');
SELECT access_policy.unmap_login('regress_dba');
SET ROLE regress_dba;
SELECT access_policy.current_user_id() IS NULL AS unmapped;
RESET ROLE;

-- a superuser with no identity and no mapping is the system: may administer, holds nothing
SELECT access_policy_internal._is_system(), access_policy.can(100, 'settings.view');

-- set_user() with transaction scope outside a transaction block acts for that
-- statement only: said with a WARNING, as SET LOCAL does; the next statement
-- acts for nobody.  In a transaction block, or for the session, no warning.
SELECT access_policy.set_user('id_alice');
SELECT access_policy.current_user_id() IS NULL AS nobody_acts_now;
SELECT access_policy.set_user('id_alice', local => false);
SELECT access_policy.current_user_id();
SELECT access_policy.clear_user();
SELECT access_policy.current_user_id() AS still_alice;
SELECT access_policy.clear_user(local => false);
BEGIN;
SELECT access_policy.set_user('id_alice');
SELECT access_policy.current_user_id();
COMMIT;
