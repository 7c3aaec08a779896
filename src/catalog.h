/*-------------------------------------------------------------------------
 *
 * catalog.h
 *	  Where access_policy's relations are: their OIDs and column numbers,
 *	  resolved by name (catalog.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef AP_CATALOG_H
#define AP_CATALOG_H

#include "access/attnum.h"

#define AP_SCHEMA_NAME		"access_policy"
/* the internal functions and the signal relations (0.6.0; before: the API schema) */
#define AP_INTERNAL_SCHEMA_NAME	"access_policy_internal"

/* the user signal relations: _signal_user_0 to _signal_user_15 */
#define AP_USER_BUCKETS		16

/* at most this many policy tables are read from a Citus shard placement */
#define AP_MAX_PLACED		24

typedef struct ApRels
{
	bool		valid;
	Oid			nsp;

	/*
	 * Citus (catalog.c, LocalPlacement): citus is true where pg_dist_shard
	 * exists; a policy table that Citus made a reference table is read from
	 * its local shard placement, and every OID below (tables, indexes) is the
	 * placement's.  shell[] holds the names' own OIDs of those tables.
	 */
	bool		citus;
	int			nplaced;
	Oid			shell[AP_MAX_PLACED];
	Oid			users;
	Oid			users_pkey;
	Oid			orgs;
	Oid			orgs_pkey;
	Oid			orgs_parent_idx;	/* or orgs_children_idx */
	Oid			permissions;
	Oid			permissions_pkey;
	Oid			roles;
	Oid			roles_pkey;
	Oid			role_permissions;
	Oid			role_permissions_pkey;
	Oid			assignments;
	Oid			assignments_user_key;
	Oid			resource_kinds;
	Oid			kind_actions;
	Oid			resources;
	Oid			resources_pkey;
	Oid			resources_org_idx;
	Oid			resource_grants;
	Oid			resource_grants_resource_key;
	Oid			resource_grants_org_idx;
	Oid			login_roles;
	Oid			login_roles_pkey;
	Oid			protected_tables;
	Oid			support_settings;
	Oid			support_settings_pkey;
	Oid			support_overrides;
	Oid			support_overrides_pkey;
	Oid			orgs_with_fn;
	/* tenant keys (0.5.0; InvalidOid and InvalidAttrNumber before) */
	Oid			key_types;
	Oid			orgs_key_idx;
	Oid			resources_key_idx;
	AttrNumber	kt_kind_att,
				kt_type_att;
	AttrNumber	org_key_att;
	Oid			org_keys_with_fn;
	Oid			can_key_fn;
	AttrNumber	res_key_att;
	/* signal relations (0.2.0; InvalidOid under a 0.1.0 schema) */
	Oid			sig_orgs;
	Oid			sig_roles;
	Oid			sig_res;
	Oid			sig_actions;
	Oid			sig_logins;
	Oid			sig_user[AP_USER_BUCKETS];
	/* column numbers */
	AttrNumber	org_id_att,
				org_parent_att;
	AttrNumber	perm_name_att,
				perm_ro_att,
				perm_sread_att,
				perm_snever_att;
	AttrNumber	ss_org_att,
				ss_level_att,
				ss_until_att;
	AttrNumber	so_org_att,
				so_level_att,
				so_until_att;
	AttrNumber	user_support_att;
	AttrNumber	role_id_att,
				role_org_att;
	AttrNumber	rp_role_att,
				rp_perm_att;
	AttrNumber	as_user_att,
				as_org_att,
				as_role_att,
				as_enabled_att,
				as_from_att,
				as_until_att;
	AttrNumber	ka_kind_att,
				ka_action_att,
				ka_perm_att;
	AttrNumber	res_id_att,
				res_org_att,
				res_parent_att,
				res_kind_att;
	AttrNumber	gr_res_att,
				gr_org_att,
				gr_role_att,
				gr_auth_att,
				gr_from_att,
				gr_until_att;
	AttrNumber	lr_role_att,
				lr_user_att;
	AttrNumber	user_id_att;
} ApRels;

/*
 * Our relations, resolved by ApResolveRels() at the first check, again after
 * the extension was dropped and created anew (valid is false until then).
 */
extern ApRels ApCatalog;

extern void ApResolveRels(void);
extern Oid	ApOrgsWithFunctionOid(void);
extern Oid	ApOrgKeysWithFunctionOid(void);
extern bool ApIsKeyCheck(Oid funcid);

extern bool ApIsShellOfPlaced(Oid relid);
extern Oid	ApLogicalRelation(Oid relid);

#endif							/* AP_CATALOG_H */
