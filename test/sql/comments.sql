-- comments: every object of the extension explains itself in \dx+, \df+ and
-- \d+ (issue #7 item 8).  Lists every extension member and every column of
-- its tables and views that has no comment: expected, none.
SELECT pg_describe_object(d.classid, d.objid, 0) AS uncommented_member
  FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'access_policy')
   AND d.deptype = 'e'
   AND obj_description(d.objid, (SELECT relname FROM pg_class WHERE oid = d.classid)) IS NULL
   -- PostgreSQL 17 also lists the row types of the tables and views (and their arrays)
   AND NOT EXISTS (SELECT 1 FROM pg_type t
					WHERE d.classid = 'pg_type'::regclass AND t.oid = d.objid
					  AND (t.typrelid <> 0 OR t.typelem IN (SELECT r.oid FROM pg_type r WHERE r.typrelid <> 0)))
 ORDER BY 1;
SELECT c.relname || '.' || a.attname AS uncommented_column
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace = 'access_policy'::regnamespace AND c.relkind IN ('r', 'v')
   AND c.relname NOT LIKE '\_signal\_%'
   AND col_description(c.oid, a.attnum) IS NULL
 ORDER BY 1;
-- and the comments say something
SELECT count(*) > 150 AS many, min(length(description)) >= 10 AS informative
  FROM pg_description
 WHERE objoid IN (SELECT objid FROM pg_depend
				   WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'access_policy') AND deptype = 'e');
SELECT obj_description('access_policy.can(bigint, text)'::regprocedure, 'pg_proc') AS can_comment;
