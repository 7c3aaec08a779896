/* sql/upgrade--0.1.0.sql -- first part of the upgrade script from 0.1.0: changes to objects 0.1.0 already had */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION access_policy UPDATE" to load this file. \quit

/*
 * Every change to an object that 0.1.0 created goes here as well as into its
 * source part: functions are dropped and created again (never CREATE OR
 * REPLACE), then their grants are restored.  The upgrade test compares the
 * resulting catalog with a fresh install.
 */

------------------------------------------------------------------------------
-- pg_dump carries the built-in permissions, roles and permission sets;
-- on restore (replica mode) the dumped rows replace the shipped ones
------------------------------------------------------------------------------

SELECT pg_catalog.pg_extension_config_dump('@extschema@.permissions', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.roles', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.role_permissions', '');

-- see sql/access_policy.sql for why
CREATE FUNCTION @extschema@._restore_builtin()
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
REVOKE ALL ON FUNCTION @extschema@._restore_builtin() FROM PUBLIC;
COMMENT ON FUNCTION @extschema@._restore_builtin() IS
'internal: in replica mode (restore), dumped built-in permissions, roles and role permissions replace the shipped ones';

CREATE TRIGGER restore_builtin BEFORE INSERT ON @extschema@.permissions
	FOR EACH ROW EXECUTE FUNCTION @extschema@._restore_builtin();
ALTER TABLE @extschema@.permissions ENABLE REPLICA TRIGGER restore_builtin;
CREATE TRIGGER restore_builtin BEFORE INSERT ON @extschema@.roles
	FOR EACH ROW EXECUTE FUNCTION @extschema@._restore_builtin();
ALTER TABLE @extschema@.roles ENABLE REPLICA TRIGGER restore_builtin;
CREATE TRIGGER restore_builtin BEFORE INSERT ON @extschema@.role_permissions
	FOR EACH ROW EXECUTE FUNCTION @extschema@._restore_builtin();
ALTER TABLE @extschema@.role_permissions ENABLE REPLICA TRIGGER restore_builtin;
