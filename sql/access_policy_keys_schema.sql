/* sql/access_policy_keys_schema.sql -- tenant keys: the key columns of orgs and resources and the table of key types (new in 0.5.0; second part of the install script, first of the upgrade from 0.4.0 after its drops) */

-- See sql/access_policy_keys.sql for what keys are and the functions that
-- read and write them.

CREATE TABLE @extschema@.key_types (
	kind		text PRIMARY KEY CHECK (kind IN ('org', 'resource')),
	type		regtype NOT NULL
				CHECK (type IN ('uuid'::regtype, 'text'::regtype, 'integer'::regtype, 'bigint'::regtype))
);
COMMENT ON TABLE @extschema@.key_types IS 'the type of the application''s keys of orgs and of resources (set_key_type())';
COMMENT ON COLUMN @extschema@.key_types.kind IS 'org or resource';
COMMENT ON COLUMN @extschema@.key_types.type IS 'uuid, text, integer or bigint';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.key_types', '');

ALTER TABLE @extschema@.orgs
	ADD COLUMN key text COLLATE "C" CHECK (key <> '' AND pg_catalog.octet_length(key) <= 256);
CREATE UNIQUE INDEX orgs_key_idx ON @extschema@.orgs (key);
COMMENT ON COLUMN @extschema@.orgs.key IS 'the application''s key of the org (canonical text of a value of the configured type), NULL if none';

ALTER TABLE @extschema@.resources
	ADD COLUMN key text COLLATE "C" CHECK (key <> '' AND pg_catalog.octet_length(key) <= 256);
CREATE UNIQUE INDEX resources_key_idx ON @extschema@.resources (key);
COMMENT ON COLUMN @extschema@.resources.key IS 'the application''s key of the resource (canonical text of a value of the configured type), NULL if none';


-- Keys are never given out twice: the rows of the application that still
-- carry the key of a deleted org (or the old key of an org) would open to
-- the org that got it next.  A key leaves orgs or resources into this table.
CREATE TABLE @extschema@.retired_keys (
	kind		text NOT NULL CHECK (kind IN ('org', 'resource')),
	key			text COLLATE "C" NOT NULL,
	retired_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (kind, key)
);
COMMENT ON TABLE @extschema@.retired_keys IS 'keys of deleted orgs and resources and keys replaced by others: not given out again (but by a superuser acting as no user)';
COMMENT ON COLUMN @extschema@.retired_keys.kind IS 'org or resource';
COMMENT ON COLUMN @extschema@.retired_keys.key IS 'the key, in canonical text';
COMMENT ON COLUMN @extschema@.retired_keys.retired_at IS 'when it was removed or replaced';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.retired_keys', '');

-- a table protected by the application's org keys (its org column holds
-- keys; delete_org() finds the rows of an org by its key)
ALTER TABLE @extschema@.protected_tables ADD COLUMN by_key boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN @extschema@.protected_tables.by_key IS 'the org column (and resource column) holds the application''s keys, not ids';
