/* sql/access_policy_tenant.sql -- work on tenant-owned tables as their owners (new in 0.2.0; part of the install and upgrade scripts) */

------------------------------------------------------------------------------
-- Counting and deleting an org's rows in a protected table.  The table
-- belongs to a tenant role, whose triggers and rules would run with the
-- rights of whoever deletes; the C function runs the statement as the
-- table's owner in a security-restricted operation (like VACUUM and REFRESH
-- MATERIALIZED VIEW), never as the superuser that owns delete_org().
------------------------------------------------------------------------------

-- VOLATILE: it deletes rows and runs the owner's triggers.
CREATE FUNCTION access_policy_internal._tenant_rows(tbl regclass, org_column name, org_ids bigint[], do_delete boolean)
RETURNS bigint
AS 'MODULE_PATHNAME', 'tenant_rows' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION access_policy_internal._tenant_rows(regclass, name, bigint[], boolean) IS
'internal: count (do_delete false) or delete (do_delete true) the rows of the orgs org_ids in a table protected with protect_table(), as the table''s owner in a security-restricted operation; NULL with a warning for a table that is gone or no longer protected; superuser only';

-- not for PUBLIC: it reads and deletes rows of any protected table as its
-- owner (the function also refuses callers that are not superusers)
REVOKE ALL ON FUNCTION access_policy_internal._tenant_rows(regclass, name, bigint[], boolean) FROM PUBLIC;
