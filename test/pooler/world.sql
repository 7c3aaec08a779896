-- test/pooler/world.sql -- eight orgs, one user each (Viewer, Editor at
-- its own org only), a tenant table protected by the RLS helper, and the
-- application role pool_app, trusted to say who is acting.
\set ON_ERROR_STOP 1
\o /dev/null
SELECT access_policy.create_org('Pool ' || g, NULL, g) FROM generate_series(1, 8) g;
SELECT access_policy.create_user('u' || g) FROM generate_series(1, 8) g;
SELECT access_policy.assign_role('u' || g, g, 'Editor') FROM generate_series(1, 8) g;
CREATE TABLE public.notes (id int PRIMARY KEY, org_id bigint NOT NULL, body text NOT NULL);
CREATE INDEX ON public.notes (org_id);
-- org g has 10 * g rows, so a count tells whose rows a transaction saw
INSERT INTO public.notes
SELECT row_number() OVER (), g, 'note of org ' || g
  FROM generate_series(1, 8) g, generate_series(1, 10 * g);
SELECT access_policy.protect_table('public.notes', 'org_id', 'responses.view', 'responses.write');
CREATE TABLE public.pool_check (
	phase text NOT NULL, k int NOT NULL, who text, seen int NOT NULL, foreign_rows int NOT NULL,
	backend int NOT NULL DEFAULT pg_backend_pid()
);
CREATE ROLE pool_app LOGIN;
GRANT EXECUTE ON FUNCTION access_policy.set_user(text, boolean) TO pool_app;
GRANT SELECT, INSERT, UPDATE ON public.notes TO pool_app;
GRANT INSERT ON public.pool_check TO pool_app;
