/* sql/upgrade--0.3.0.sql -- first part of the upgrade script from 0.3.0: drops what the newest version defines again */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION access_policy UPDATE" to load this file. \quit

-- orgs_parent_idx (parent_id) becomes orgs_children_idx (parent_id) INCLUDE
-- (id): the child lists of a subtree are read from it in one pass
CREATE INDEX orgs_children_idx ON @extschema@.orgs (parent_id) INCLUDE (id);
DROP INDEX @extschema@.orgs_parent_idx;

-- _holds, _require, _require_role_perms and _assignment_guard are C
-- functions now (the write path of a grant): defined again below, the
-- trigger again in the post part
DROP FUNCTION @extschema@._holds(bigint, text);
DROP FUNCTION @extschema@._require(bigint, text);
DROP FUNCTION @extschema@._require_role_perms(bigint, bigint);
DROP TRIGGER assignment_guard ON @extschema@.assignments;
DROP FUNCTION @extschema@._assignment_guard();

-- _org_guard reads the moved subtree's assignments instead of every
-- custom-role assignment of the world
DROP TRIGGER org_guard ON @extschema@.orgs;
DROP FUNCTION @extschema@._org_guard();
