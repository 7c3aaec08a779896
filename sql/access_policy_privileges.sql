/* sql/access_policy_privileges.sql -- second part of the install script: revoke everything from PUBLIC, grant the core on purpose */

------------------------------------------------------------------------------
-- Privileges
------------------------------------------------------------------------------

REVOKE ALL ON ALL TABLES IN SCHEMA @extschema@ FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA @extschema@ FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA @extschema@ FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA access_policy_internal FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA access_policy_internal FROM PUBLIC;

/*
 * Checks answer only for the acting user, whom ordinary SQL cannot forge, and
 * every role that reads an RLS-protected table runs them inside its policies;
 * without EXECUTE such a query would fail instead of returning the rows the
 * user may see.  So they are granted to PUBLIC on purpose.
 */
GRANT EXECUTE ON FUNCTION
	@extschema@.can(bigint, text),
	@extschema@.can_resource(bigint, text),
	@extschema@.can_action(bigint, text),
	@extschema@.can_row(bigint, bigint, text),
	@extschema@.orgs_with(text),
	@extschema@.resources_with(bigint, text),
	@extschema@.resources_allowing(bigint, text),
	@extschema@.current_user_id(),
	@extschema@.cache_stats()
TO PUBLIC;

/*
 * Introspection shows a user their own permissions; asking about anybody
 * else needs members.manage, checked inside.
 */
GRANT EXECUTE ON FUNCTION
	@extschema@.effective_permissions(bigint, text),
	@extschema@.effective_resource_permissions(bigint, text),
	@extschema@.explain(text, bigint, text),
	@extschema@.explain_resource(text, bigint, text),
	@extschema@.who_can(text, bigint),
	@extschema@.who_can_resource(text, bigint)
TO PUBLIC;

-- set_user(), clear_user() and the administration functions are granted by
-- the DBA to the application's role only (see README, "Identity and trust").
