/* sql/access_policy_channels.sql -- org channels: cache invalidation per org (new in 0.4.0; part of the install and upgrade scripts) */

------------------------------------------------------------------------------
-- A write to an org, a support setting or a support override signals the
-- channels of the orgs it changes (the org, and for an org row its old and
-- new parent), one of 4096 by a hash of the org id, instead of the whole
-- org tree: a backend reloads the orgs it cached only when one of the
-- channels it read them from is signalled (src/orgs.c, OrgTouch).  A new
-- org elsewhere (a signup) costs the other backends nothing.  TRUNCATE
-- still signals the whole tree.  These triggers replace the statement
-- triggers of 0.3.0, which signalled the whole tree for any change.
------------------------------------------------------------------------------

DROP TRIGGER invalidate ON @extschema@.orgs;
DROP TRIGGER invalidate_move ON @extschema@.orgs;
CREATE TRIGGER invalidate_row AFTER INSERT OR DELETE ON @extschema@.orgs
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._invalidate('id', 'parent_id');
-- a move (or a changed id); not a rename
CREATE TRIGGER invalidate_move AFTER UPDATE ON @extschema@.orgs
	FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.parent_id IS DISTINCT FROM NEW.parent_id)
	EXECUTE FUNCTION access_policy_internal._invalidate('id', 'parent_id');
CREATE TRIGGER invalidate AFTER TRUNCATE ON @extschema@.orgs
	FOR EACH STATEMENT EXECUTE FUNCTION access_policy_internal._invalidate();

DROP TRIGGER invalidate ON @extschema@.support_settings;
CREATE TRIGGER invalidate_row AFTER INSERT OR UPDATE OR DELETE ON @extschema@.support_settings
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._invalidate('org_id');
CREATE TRIGGER invalidate AFTER TRUNCATE ON @extschema@.support_settings
	FOR EACH STATEMENT EXECUTE FUNCTION access_policy_internal._invalidate();

DROP TRIGGER invalidate ON @extschema@.support_overrides;
CREATE TRIGGER invalidate_row AFTER INSERT OR UPDATE OR DELETE ON @extschema@.support_overrides
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._invalidate('org_id');
CREATE TRIGGER invalidate AFTER TRUNCATE ON @extschema@.support_overrides
	FOR EACH STATEMENT EXECUTE FUNCTION access_policy_internal._invalidate();
