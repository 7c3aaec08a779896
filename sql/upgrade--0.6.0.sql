/* sql/upgrade--0.6.0.sql -- upgrade from 0.6.0 (the start of the script; see the Makefile) */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION access_policy UPDATE" to load this file. \quit

/*
 * 0.7.0 records support activity from the protection the trigger carries in
 * its arguments: _record_support_activity() gets a second form, and the
 * first now calls it.  Internal functions, granted to nobody: dropped and
 * created again from their part (their definitions follow, see the Makefile).
 */
DROP FUNCTION access_policy_internal._record_support_activity(oid, text, jsonb, jsonb);
