/* sql/access_policy_restore.sql -- pg_dump and pg_restore of built-in rows (new in 0.2.0; part of the install and upgrade scripts) */

------------------------------------------------------------------------------
-- Restore: dumped built-in rows replace the shipped ones
------------------------------------------------------------------------------

/*
 * The built-in permissions, the built-in roles and their permission sets ship
 * with this script but can be changed (set_permission_support,
 * set_role_permissions), so pg_dump dumps them like user data.  A restore
 * runs CREATE EXTENSION first, which inserts the shipped rows again; the
 * dumped rows must replace them, not fail on the primary key:
 *   permissions: a built-in permission that exists takes the dumped flags
 *     and description;
 *   roles: a built-in role (org_id NULL) that exists takes the dumped name
 *     and description and loses the permission rows CREATE EXTENSION
 *     inserted (recognised by their xmin, the transaction that created the
 *     extension), so that a permission removed before the dump stays removed;
 *   role_permissions: a dumped row replaces an equal shipped row (and so is
 *     no longer one CREATE EXTENSION inserted).
 * This works in any order of the three tables' data, as a parallel
 * pg_restore loads them.  The triggers are enabled in replica mode only
 * (session_replication_role = replica: the documented restore, which also
 * keeps the audit triggers from logging the restored rows, and logical
 * replication's apply workers); in normal operation inserting an existing
 * built-in row stays an error.
 */
CREATE FUNCTION access_policy_internal._restore_builtin()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_TABLE_NAME = 'permissions' THEN
		IF NEW.builtin THEN
			UPDATE @extschema@.permissions p
			   SET read_only = NEW.read_only, support_read = NEW.support_read,
				   support_never = NEW.support_never, description = NEW.description
			 WHERE p.name = NEW.name AND p.builtin;
			IF FOUND THEN
				RETURN NULL;
			END IF;
		END IF;
	ELSIF TG_TABLE_NAME = 'roles' THEN
		IF NEW.org_id IS NULL THEN
			UPDATE @extschema@.roles r
			   SET name = NEW.name, description = NEW.description
			 WHERE r.id = NEW.id AND r.org_id IS NULL;
			IF FOUND THEN
				-- the shipped permission set goes; rows restored already stay
				DELETE FROM @extschema@.role_permissions rp
				 WHERE rp.role_id = NEW.id
				   AND rp.xmin = (SELECT e.xmin FROM pg_catalog.pg_extension e
								   WHERE e.extname = 'access_policy');
				RETURN NULL;
			END IF;
		END IF;
	ELSE
		-- role_permissions: a restored row replaces an equal shipped one
		DELETE FROM @extschema@.role_permissions rp
		 WHERE rp.role_id = NEW.role_id AND rp.permission = NEW.permission;
	END IF;
	RETURN NEW;
END;
$$;
COMMENT ON FUNCTION access_policy_internal._restore_builtin() IS
'internal: in replica mode (restore), dumped built-in permissions, roles and role permissions replace the shipped ones';

CREATE TRIGGER restore_builtin BEFORE INSERT ON @extschema@.permissions
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._restore_builtin();
ALTER TABLE @extschema@.permissions ENABLE REPLICA TRIGGER restore_builtin;
CREATE TRIGGER restore_builtin BEFORE INSERT ON @extschema@.roles
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._restore_builtin();
ALTER TABLE @extschema@.roles ENABLE REPLICA TRIGGER restore_builtin;
CREATE TRIGGER restore_builtin BEFORE INSERT ON @extschema@.role_permissions
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._restore_builtin();
ALTER TABLE @extschema@.role_permissions ENABLE REPLICA TRIGGER restore_builtin;

-- pg_dump now carries the built-in permissions, roles and permission sets
-- too (0.1.0 left them out, losing changes made to them)
SELECT pg_catalog.pg_extension_config_dump('@extschema@.permissions', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.roles', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.role_permissions', '');


REVOKE ALL ON FUNCTION access_policy_internal._restore_builtin() FROM PUBLIC;
