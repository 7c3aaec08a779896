/* sql/upgrade--0.2.0.sql -- first part of the upgrade script from 0.2.0: drops what 0.3.0 defines again */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION access_policy UPDATE" to load this file. \quit

/*
 * Functions that 0.3.0 changes are dropped here and created again from their
 * parts (REDEFINED_0_2_0 in the Makefile); sql/upgrade--0.2.0-post.sql
 * restores their grants and whatever depended on them.
 */

-- a trigger and a view depend on two of them: sql/upgrade--0.2.0-post.sql creates them again
DROP TRIGGER notify ON @extschema@.support_settings;
DROP TRIGGER notify ON @extschema@.support_overrides;
DROP VIEW @extschema@.support_access_status;

DROP FUNCTION @extschema@._require(bigint, text);
DROP FUNCTION @extschema@._require_role_perms(bigint, bigint);
DROP FUNCTION @extschema@.create_org(text, bigint, bigint);
DROP FUNCTION @extschema@.move_org(bigint, bigint);
DROP FUNCTION @extschema@.delete_org(bigint, boolean);
DROP FUNCTION @extschema@.create_role(bigint, text, text[], text);
DROP FUNCTION @extschema@.set_role_permissions(bigint, text[]);
DROP FUNCTION @extschema@.delete_role(bigint, boolean);
DROP FUNCTION @extschema@.assign_role(text, bigint, text, timestamptz, timestamptz);
DROP FUNCTION @extschema@.set_assignment(bigint, boolean, timestamptz, timestamptz);
DROP FUNCTION @extschema@.effective_resource_permissions(bigint, text);
DROP FUNCTION @extschema@.explain_resource(text, bigint, text);
DROP FUNCTION @extschema@.who_can_resource(text, bigint);
DROP FUNCTION @extschema@.protect_table(regclass, name, text, text, name, boolean);
DROP FUNCTION @extschema@._support_notify();
DROP FUNCTION @extschema@._require_support_manager(bigint);
DROP FUNCTION @extschema@.set_support_access(bigint, text, text, text, timestamptz, boolean);
DROP FUNCTION @extschema@.override_support_access(bigint, text, text, interval);
DROP FUNCTION @extschema@._support_row(bigint);
DROP FUNCTION @extschema@.my_support_orgs();
DROP FUNCTION @extschema@.support_statuses();
DROP FUNCTION @extschema@._require_member_perms(bigint, text);
DROP FUNCTION @extschema@._guard_last_admin(bigint, text, text);
DROP FUNCTION @extschema@.access_graph(bigint, integer);

-- temporary tables can no longer be protected: forget those (and rows of
-- tables dropped since, which a temporary table leaves behind at session end)
DELETE FROM @extschema@.protected_tables p
 WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = p.relid AND c.relpersistence <> 't');

