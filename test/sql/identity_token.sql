-- identity_token.sql: the signed identity for the workers of a Citus cluster
-- (src/identity_token.c) on a node without access_policy.identity_key, the
-- default.  With a key: the suites identity-token and citus.

-- without a key, set_user() makes no token
BEGIN;
SELECT access_policy.set_user('alice');
SHOW access_policy.identity_token;
ROLLBACK;

-- and no token is accepted, however it looks
BEGIN;
SET LOCAL access_policy.identity_token = 'v1:616c696365:706f737467726573:99999999999999999:00:00';
ROLLBACK;
-- the empty token is always accepted (it is no identity)
BEGIN;
SET LOCAL access_policy.identity_token = '';
SELECT access_policy.current_user_id() IS NULL AS nobody;
ROLLBACK;

-- the key is a server setting that only superusers read (SQLSTATEs only:
-- PostgreSQL 16 words the second error differently)
\set VERBOSITY sqlstate
SET access_policy.identity_key = 'a key set by a session is not accepted: 0123456789';
CREATE ROLE ap_token_reader;
SET ROLE ap_token_reader;
SHOW access_policy.identity_key;
\set VERBOSITY default
SELECT count(*) FROM pg_settings WHERE name = 'access_policy.identity_key';
RESET ROLE;
DROP ROLE ap_token_reader;
SHOW access_policy.identity_token_lifetime;
