-- test/upgrade/catalog.sql -- the extension's catalog as sorted text lines,
-- free of OIDs, for comparing an upgraded database with a fresh install:
-- members, functions with signatures and properties, relations, columns,
-- constraints, indexes, triggers, policies, views, sequences, event
-- triggers, grants, comments and the pg_dump configuration.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only on
WITH ext AS (
	SELECT oid, extconfig, extcondition FROM pg_extension WHERE extname = 'access_policy'
), members AS (
	SELECT d.classid, d.objid FROM pg_depend d, ext
	 WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
), nsp AS (
	-- the API schema and, since 0.6.0, the internal one
	SELECT oid FROM pg_namespace WHERE nspname IN ('access_policy', 'access_policy_internal')
)
SELECT line FROM (
	SELECT 'member ' || pg_describe_object(classid, objid, 0) AS line FROM members
	UNION ALL
	SELECT 'extension version=' || extversion || ' relocatable=' || extrelocatable || ' owner=' || pg_get_userbyid(extowner)
	  FROM pg_extension WHERE extname = 'access_policy'
	UNION ALL
	SELECT 'config ' || c.relname || ' filter=' || coalesce(e.extcondition[i], '')
	  FROM ext e, generate_subscripts(e.extconfig, 1) i JOIN pg_class c ON true
	 WHERE c.oid = e.extconfig[i]
	UNION ALL
	SELECT 'schema ' || n.nspname || ' acl=' || coalesce(n.nspacl::text, '') || ' owner=' || pg_get_userbyid(n.nspowner)
	  FROM pg_namespace n, nsp WHERE n.oid = nsp.oid
	UNION ALL
	SELECT 'function ' || p.oid::regprocedure::text
		   || ' kind=' || p.prokind::text || ' secdef=' || p.prosecdef
		   || ' config=' || coalesce(array_to_string(p.proconfig, ','), '')
		   || ' volatile=' || p.provolatile::text || ' parallel=' || p.proparallel::text
		   || ' leakproof=' || p.proleakproof || ' strict=' || p.proisstrict
		   || ' returns=' || pg_get_function_result(p.oid)
		   || ' args=' || pg_get_function_arguments(p.oid)
		   || ' lang=' || l.lanname || ' cost=' || p.procost || ' rows=' || p.prorows
		   || ' support=' || p.prosupport::regproc::text
		   || ' src=' || md5(p.prosrc) || ' bin=' || coalesce(p.probin, '')
		   || ' acl=' || coalesce(p.proacl::text, '') || ' owner=' || pg_get_userbyid(p.proowner)
	  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang, nsp WHERE p.pronamespace = nsp.oid
	UNION ALL
	SELECT 'relation ' || c.relnamespace::regnamespace::text || '.' || c.relname || ' kind=' || c.relkind::text || ' persistence=' || c.relpersistence::text
		   || ' rls=' || c.relrowsecurity || ' force_rls=' || c.relforcerowsecurity
		   || ' acl=' || coalesce(c.relacl::text, '') || ' owner=' || pg_get_userbyid(c.relowner)
		   || ' options=' || coalesce(array_to_string(c.reloptions, ','), '')
	  FROM pg_class c, nsp WHERE c.relnamespace = nsp.oid
	UNION ALL
	SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
		   || ' not_null=' || a.attnotnull || ' identity=' || a.attidentity::text || ' generated=' || a.attgenerated::text
		   || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
		   || ' collation=' || coalesce(a.attcollation::regcollation::text, '')
		   || ' acl=' || coalesce(a.attacl::text, '')
	  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum, nsp
	 WHERE c.relnamespace = nsp.oid
	UNION ALL
	SELECT 'constraint ' || c.relname || '.' || k.conname || ' ' || pg_get_constraintdef(k.oid)
		   || ' deferrable=' || k.condeferrable
	  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid, nsp WHERE c.relnamespace = nsp.oid
	UNION ALL
	SELECT 'index ' || pg_get_indexdef(i.indexrelid)
	  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid, nsp WHERE c.relnamespace = nsp.oid
	UNION ALL
	SELECT 'trigger ' || c.relname || '.' || t.tgname || ' enabled=' || t.tgenabled::text || ' ' || pg_get_triggerdef(t.oid)
	  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid, nsp
	 WHERE c.relnamespace = nsp.oid AND NOT t.tgisinternal
	UNION ALL
	SELECT 'policy ' || tablename || '.' || policyname || ' ' || cmd || ' ' || array_to_string(roles, ',')
		   || ' using=' || coalesce(qual, '') || ' check=' || coalesce(with_check, '')
	  FROM pg_policies WHERE schemaname = 'access_policy'
	UNION ALL
	SELECT 'view ' || c.relname || ' ' || md5(pg_get_viewdef(c.oid))
	  FROM pg_class c, nsp WHERE c.relnamespace = nsp.oid AND c.relkind IN ('v', 'm')
	UNION ALL
	SELECT 'sequence ' || c.relname || ' ' || format_type(s.seqtypid, NULL) || ' start=' || s.seqstart
		   || ' inc=' || s.seqincrement || ' max=' || s.seqmax || ' min=' || s.seqmin || ' cycle=' || s.seqcycle
	  FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid, nsp WHERE c.relnamespace = nsp.oid
	UNION ALL
	SELECT 'event_trigger ' || e.evtname || ' ' || e.evtevent || ' ' || e.evtfoid::regproc::text
		   || ' enabled=' || e.evtenabled::text || ' tags=' || coalesce(array_to_string(e.evttags, ','), '')
		   || ' comment=' || coalesce(obj_description(e.oid, 'pg_event_trigger'), '')
	  FROM pg_event_trigger e JOIN members m ON m.classid = 'pg_event_trigger'::regclass AND m.objid = e.oid
	UNION ALL
	SELECT 'type ' || t.typname || ' type=' || t.typtype::text || ' acl=' || coalesce(t.typacl::text, '')
	  FROM pg_type t, nsp WHERE t.typnamespace = nsp.oid
	UNION ALL
	SELECT 'comment ' || pg_describe_object(d.classoid, d.objoid, d.objsubid) || ': ' || d.description
	  FROM pg_description d
	 WHERE (d.classoid = 'pg_proc'::regclass AND d.objoid IN (SELECT p.oid FROM pg_proc p, nsp WHERE p.pronamespace = nsp.oid))
		OR (d.classoid = 'pg_class'::regclass AND d.objoid IN (SELECT c.oid FROM pg_class c, nsp WHERE c.relnamespace = nsp.oid))
		OR (d.classoid = 'pg_type'::regclass AND d.objoid IN (SELECT t.oid FROM pg_type t, nsp WHERE t.typnamespace = nsp.oid))
		OR (d.classoid = 'pg_namespace'::regclass AND d.objoid IN (SELECT oid FROM nsp))
		OR (d.classoid = 'pg_constraint'::regclass AND d.objoid IN (SELECT k.oid FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid, nsp WHERE c.relnamespace = nsp.oid))
		OR (d.classoid = 'pg_trigger'::regclass AND d.objoid IN (SELECT t.oid FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid, nsp WHERE c.relnamespace = nsp.oid))
		OR (d.classoid = 'pg_event_trigger'::regclass AND d.objoid IN (SELECT objid FROM members WHERE classid = 'pg_event_trigger'::regclass))
) x
ORDER BY line COLLATE "C";
