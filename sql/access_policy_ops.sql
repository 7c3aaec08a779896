/* sql/access_policy_ops.sql -- operations: housekeeping, pictures, PostgREST identity (new in 0.2.0; part of the install and upgrade scripts) */
