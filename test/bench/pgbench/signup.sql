-- test/bench/pgbench/signup.sql -- S5: one signup as the system (superuser, no identity): a fresh user, an org below a random tree root, its first Admin
\set p random(0, :nroots - 1)
SELECT nextval('bench.signup_seq') AS s \gset
BEGIN;
SELECT access_policy.create_user('signup' || :s);
SELECT access_policy.create_org('signup ' || :s, r.id) AS o FROM bench.roots r WHERE r.k = :p \gset
SELECT access_policy.assign_role('signup' || :s, :o, 'Admin');
COMMIT;
