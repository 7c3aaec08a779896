/* sql/upgrade--0.1.0.sql -- first part of the upgrade script from 0.1.0: changes to objects 0.1.0 already had */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION access_policy UPDATE" to load this file. \quit

/*
 * Every change to an object that 0.1.0 created goes here as well as into its
 * source part: functions are dropped and created again (never CREATE OR
 * REPLACE), then their grants are restored.  The upgrade test compares the
 * resulting catalog with a fresh install.
 */

-- _resolve_role: defined again by access_policy_roles.sql (a fast path for
-- built-in role names, with the index roles_name_idx)
DROP FUNCTION @extschema@._resolve_role(bigint, text);
