-- examples/drivers/world.sql -- the database the driver examples run against.
-- Run as a superuser in a fresh database, after CREATE EXTENSION access_policy.
-- test/suites/32-drivers.sh loads it into a throwaway cluster.

-- the role the applications connect as: it may say who is acting (set_user)
-- and use the API for applications, and nothing else; it does not own the
-- tenant table (an owner is not subject to its row level security)
CREATE ROLE app LOGIN;
SELECT access_policy.grant_api('app', 'application') > 0 AS api_granted;

-- two customers, one user each: alice is an Editor at Acme (101), bob at
-- Globex (102); Editor holds responses.view and responses.write
SELECT access_policy.create_user('alice');
SELECT access_policy.create_user('bob');
SELECT access_policy.create_org('Acme', NULL, 101);
SELECT access_policy.create_org('Globex', NULL, 102);
SELECT access_policy.assign_role('alice', 101, 'Editor') IS NOT NULL AS assigned;
SELECT access_policy.assign_role('bob', 102, 'Editor') IS NOT NULL AS assigned;

-- the tenant table: reading a row needs responses.view at its org, writing
-- needs responses.write there (row level security, put on by protect_table)
CREATE TABLE public.notes (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	org_id		bigint NOT NULL,
	body		text NOT NULL
);
CREATE INDEX notes_org_id_idx ON public.notes (org_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON public.notes TO app;
SELECT access_policy.protect_table('public.notes', 'org_id',
								   read_permission => 'responses.view',
								   write_permission => 'responses.write');

-- two notes of Acme, one of Globex (written by the superuser, acting as no
-- user: the table's owner is not subject to its policies)
INSERT INTO public.notes (org_id, body) VALUES
	(101, 'Acme: renew the contract'),
	(101, 'Acme: call back on Friday'),
	(102, 'Globex: send the invoice');
