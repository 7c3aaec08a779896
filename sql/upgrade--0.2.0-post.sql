/* sql/upgrade--0.2.0-post.sql -- upgrade from 0.2.0: privileges and dependants of the functions defined again */

-- what depended on the functions defined again
CREATE TRIGGER notify AFTER INSERT OR UPDATE OR DELETE ON @extschema@.support_settings
	FOR EACH ROW EXECUTE FUNCTION @extschema@._support_notify();
CREATE TRIGGER notify AFTER INSERT OR UPDATE OR DELETE ON @extschema@.support_overrides
	FOR EACH ROW EXECUTE FUNCTION @extschema@._support_notify();
CREATE VIEW @extschema@.support_access_status AS
SELECT * FROM @extschema@.support_statuses();
COMMENT ON VIEW @extschema@.support_access_status IS
'support access in force per org, for the orgs the acting user may see: level, own/inherited/default/override and from which org, end time, time left, reason';

-- their privileges, as a fresh install has them
REVOKE ALL ON FUNCTION
	@extschema@._require(bigint, text),
	@extschema@._holds(bigint, text),
	@extschema@._require_role_perms(bigint, bigint),
	@extschema@.create_org(text, bigint, bigint),
	@extschema@.move_org(bigint, bigint),
	@extschema@.delete_org(bigint, boolean),
	@extschema@.create_role(bigint, text, text[], text),
	@extschema@.set_role_permissions(bigint, text[]),
	@extschema@.delete_role(bigint, boolean),
	@extschema@.assign_role(text, bigint, text, timestamptz, timestamptz),
	@extschema@.set_assignment(bigint, boolean, timestamptz, timestamptz),
	@extschema@._may_see(bigint, text),
	@extschema@.effective_resource_permissions(bigint, text),
	@extschema@.explain_resource(text, bigint, text),
	@extschema@.who_can_resource(text, bigint),
	@extschema@.protect_table(regclass, name, text, text, name, boolean),
	@extschema@._support_notify(),
	@extschema@._require_support_manager(bigint),
	@extschema@.set_support_access(bigint, text, text, text, timestamptz, boolean),
	@extschema@.override_support_access(bigint, text, text, interval),
	@extschema@._support_rank(text),
	@extschema@._support_customer_level(bigint),
	@extschema@._support_rows(bigint[]),
	@extschema@._support_row(bigint),
	@extschema@.my_support_orgs(),
	@extschema@.support_statuses(),
	@extschema@._require_member_perms(bigint, text),
	@extschema@._guard_last_admin(bigint, text, text),
	@extschema@.access_graph(bigint, integer)
FROM PUBLIC;
REVOKE ALL ON @extschema@.support_access_status FROM PUBLIC;
-- self-service introspection and status check the caller inside (as in a fresh install)
GRANT EXECUTE ON FUNCTION
	@extschema@.effective_resource_permissions(bigint, text),
	@extschema@.explain_resource(text, bigint, text),
	@extschema@.who_can_resource(text, bigint),
	@extschema@.my_support_orgs(),
	@extschema@.support_statuses(),
	@extschema@.access_graph(bigint, integer)
TO PUBLIC;
GRANT SELECT ON @extschema@.support_access_status TO PUBLIC;

