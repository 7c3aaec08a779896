/* sql/upgrade--0.3.0-post.sql -- upgrade from 0.3.0: privileges and dependants of the functions defined again */

CREATE TRIGGER org_guard BEFORE INSERT OR UPDATE OF parent_id ON @extschema@.orgs
	FOR EACH ROW EXECUTE FUNCTION @extschema@._org_guard();
CREATE TRIGGER assignment_guard BEFORE INSERT OR UPDATE OF org_id, role_id ON @extschema@.assignments
	FOR EACH ROW EXECUTE FUNCTION @extschema@._assignment_guard();

-- internal functions: executable by their owner only, as in a fresh install
REVOKE ALL ON FUNCTION
	@extschema@._holds(bigint, text),
	@extschema@._org_guard(),
	@extschema@._require(bigint, text),
	@extschema@._require_role_perms(bigint, bigint),
	@extschema@._assignment_guard()
FROM PUBLIC;
