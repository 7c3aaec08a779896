/* sql/upgrade--0.6.0-post.sql -- upgrade from 0.6.0: privileges of the functions defined again */

-- as in a fresh install: nothing for PUBLIC
REVOKE ALL ON FUNCTION
	access_policy_internal._record_support_activity(oid, text, jsonb, jsonb),
	access_policy_internal._record_support_activity(oid, text, jsonb, jsonb, name, text, text, boolean)
FROM PUBLIC;
