-- test/upgrade/data.sql -- the data of every policy table (row count and a
-- checksum of the rows) and a sample of answers: can(), orgs_with() and
-- can_resource() for every user, org or resource and permission of the
-- world.  Run before and after ALTER EXTENSION ... UPDATE: equal output means
-- the update kept all data and every answer.  Rows are compared as jsonb
-- without their NULL fields and empty tables are left out, so that a column
-- or table a version adds (empty, NULL) changes nothing; columns added with
-- a default (protected_tables.by_key, 0.5.0) are left out by name.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only on
CREATE TEMP TABLE upg_out (line text);
DO $$
DECLARE
	t text;
	line text;
BEGIN
	FOR t IN SELECT c.relname FROM pg_class c
			  WHERE c.relnamespace = 'access_policy'::regnamespace AND c.relkind = 'r'
				AND c.relname NOT LIKE '\_signal\_%' ORDER BY 1
	LOOP
		EXECUTE format('SELECT %L || '' rows='' || count(*) || '' md5='' || coalesce(md5(string_agg((jsonb_strip_nulls(to_jsonb(x)) - ''by_key'')::text, ''|'' ORDER BY (jsonb_strip_nulls(to_jsonb(x)) - ''by_key'')::text)), '''') FROM access_policy.%I x HAVING count(*) > 0', t, t)
		   INTO line;
		IF line IS NOT NULL THEN
			INSERT INTO upg_out VALUES ('table ' || line);
		END IF;
	END LOOP;
END;
$$;
-- in a transaction block: set_user() lasts until its end (outside one it warns)
BEGIN;
DO $$
DECLARE
	u text;
BEGIN
	FOR u IN SELECT id FROM access_policy.users ORDER BY id
	LOOP
		PERFORM access_policy.set_user(u);
		INSERT INTO upg_out
		SELECT format('can %s %s %s = %s', u, o.id, p.name, access_policy.can(o.id, p.name))
		  FROM access_policy.orgs o, access_policy.permissions p;
		INSERT INTO upg_out
		SELECT format('orgs_with %s %s = %s', u, p.name, access_policy.orgs_with(p.name))
		  FROM access_policy.permissions p;
		INSERT INTO upg_out
		SELECT format('can_resource %s %s %s = %s', u, r.id, p.name, access_policy.can_resource(r.id, p.name))
		  FROM access_policy.resources r, access_policy.permissions p;
		PERFORM access_policy.clear_user();
	END LOOP;
END;
$$;
COMMIT;
SELECT line FROM upg_out ORDER BY line COLLATE "C";
