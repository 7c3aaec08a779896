/* sql/upgrade--0.5.0.sql -- upgrade from 0.5.0 (the start of the script; see the Makefile) */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "ALTER EXTENSION access_policy UPDATE" to load this file. \quit

/*
 * 0.6.0 moves the internals out of the API schema: every function named _...
 * and every signal relation (_signal_...) goes to the schema
 * access_policy_internal, which nobody but the extension owner may use.
 *
 * ALTER ... SET SCHEMA keeps each object's OID, so triggers, event triggers,
 * planner support functions, comments and privileges stay attached, and a
 * backend that cached the OIDs of the signal relations keeps its
 * invalidations.  What names the internals by text are the bodies of the
 * PL/pgSQL and SQL functions (written "access_policy._name(" by 0.5.0, and
 * "access_policy_internal._name(" by a fresh 0.6.0 install): they are
 * rewritten in place, for this extension's members only, so that each
 * function keeps its OID, its privileges and whatever depends on it (the
 * RLS policies of tenant tables, views).  The upgrade test compares every
 * function's source, signature and privileges with a fresh install.
 */
CREATE SCHEMA access_policy_internal;
COMMENT ON SCHEMA access_policy_internal IS
'internals of access_policy (functions named _..., signal relations); not an API, usable by the extension owner only';

DO $$
DECLARE
	o record;
BEGIN
	FOR o IN
		SELECT p.oid::pg_catalog.regprocedure::text AS fn
		  FROM pg_catalog.pg_depend d
		  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'access_policy'
		  JOIN pg_catalog.pg_proc p ON p.oid = d.objid
		 WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.deptype = 'e'
		   AND p.pronamespace = '@extschema@'::pg_catalog.regnamespace
		   AND pg_catalog.left(p.proname, 1) = '_'
		 ORDER BY 1
	LOOP
		EXECUTE pg_catalog.format('ALTER FUNCTION %s SET SCHEMA access_policy_internal', o.fn);
	END LOOP;
	FOR o IN
		SELECT c.relname
		  FROM pg_catalog.pg_depend d
		  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'access_policy'
		  JOIN pg_catalog.pg_class c ON c.oid = d.objid
		 WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'e'
		   AND c.relnamespace = '@extschema@'::pg_catalog.regnamespace
		   AND c.relkind = 'r' AND pg_catalog.left(c.relname, 8) = '_signal_'
		 ORDER BY 1
	LOOP
		EXECUTE pg_catalog.format('ALTER TABLE @extschema@.%I SET SCHEMA access_policy_internal', o.relname);
	END LOOP;
END;
$$;

-- the bodies that name internals by text (PL/pgSQL and SQL functions of this
-- extension; C functions have no such text)
UPDATE pg_catalog.pg_proc p
   SET prosrc = pg_catalog.replace(p.prosrc, '@extschema@._', 'access_policy_internal._')
  FROM pg_catalog.pg_depend d, pg_catalog.pg_extension e
 WHERE e.extname = 'access_policy' AND d.refobjid = e.oid AND d.deptype = 'e'
   AND d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid
   AND p.prolang IN (SELECT l.oid FROM pg_catalog.pg_language l WHERE l.lanname IN ('plpgsql', 'sql'))
   AND pg_catalog.strpos(p.prosrc, '@extschema@._') > 0;

/*
 * Functions changed by 0.6.0 are dropped and created again (their
 * definitions follow, taken from their parts); what was granted on them is
 * noted here and granted again afterwards:
 *   unprotect_table() drops only the policies that are still there (it
 *     failed when the table's owner had dropped one), and the support
 *     activity trigger;
 *   protect_table() creates the support activity trigger;
 *   housekeeping() applies access_policy.support_activity_retention (and
 *     returns how many entries it deleted).
 */
SELECT pg_catalog.set_config('access_policy_upgrade.acl',
	pg_catalog.jsonb_object_agg(p.oid::pg_catalog.regprocedure::text, p.proacl::text)::text, true)
  FROM pg_catalog.pg_proc p
 WHERE p.oid IN ('@extschema@.unprotect_table(regclass)'::pg_catalog.regprocedure,
				 '@extschema@.protect_table(regclass,name,text,text,name,boolean,boolean)'::pg_catalog.regprocedure,
				 '@extschema@.housekeeping()'::pg_catalog.regprocedure)
   AND p.proacl IS NOT NULL;
DROP FUNCTION @extschema@.unprotect_table(regclass);
DROP FUNCTION @extschema@.protect_table(regclass, name, text, text, name, boolean, boolean);
DROP FUNCTION @extschema@.housekeeping();

