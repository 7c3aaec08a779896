/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Where access_policy's relations are: the OIDs of its tables, indexes,
 *	  signal relations and orgs_with(), and the column numbers the cache
 *	  reads, resolved by name (ApResolveRels) into one struct (ApCatalog) at
 *	  the first check of a backend and again after the extension was dropped
 *	  and created anew.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_index.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/relcache.h"
#include "utils/syscache.h"

#include "catalog.h"

ApRels		ApCatalog;

/*
 * LookupRel resolves one of our relations by name; ERROR if the extension's
 * objects are missing (e.g. the library is loaded but the extension is not
 * installed in this database).
 */
static Oid
LookupRel(const char *name)
{
	Oid			relid = get_relname_relid(name, ApCatalog.nsp);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("access_policy is not installed in this database"),
				 errdetail("Relation \"%s.%s\" does not exist.", AP_SCHEMA_NAME, name),
				 errhint("Run CREATE EXTENSION access_policy.")));
	return relid;
}

static AttrNumber
LookupAtt(Oid relid, const char *name)
{
	AttrNumber	att = get_attnum(relid, name);

	if (att == InvalidAttrNumber)
		elog(ERROR, "access_policy: column \"%s\" missing in relation %u", name, relid);
	return att;
}

/*
 * ResolveSignals finds the signal relations (_signal_*) with one range scan
 * of pg_class by name instead of a lookup per name: the first check of a new
 * backend pays for every catalog lookup.  Missing ones (a 0.1.0 schema) stay
 * InvalidOid.  They are in access_policy_internal since 0.6.0 (and in the API
 * schema under an older schema version the library still serves).
 */
static void
ResolveSignals(ApRels *r)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key[2];
	HeapTuple	tup;
	NameData	lo;
	NameData	hi;
	Oid			internal = get_namespace_oid(AP_INTERNAL_SCHEMA_NAME, true);

	namestrcpy(&lo, "_signal_");
	namestrcpy(&hi, "_signal`");	/* '`' follows '_' */
	ScanKeyInit(&key[0], Anum_pg_class_relname, BTGreaterEqualStrategyNumber, F_NAMEGE, NameGetDatum(&lo));
	ScanKeyInit(&key[1], Anum_pg_class_relname, BTLessStrategyNumber, F_NAMELT, NameGetDatum(&hi));
	key[0].sk_collation = C_COLLATION_OID;
	key[1].sk_collation = C_COLLATION_OID;
	rel = table_open(RelationRelationId, AccessShareLock);
	scan = systable_beginscan(rel, ClassNameNspIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_class form = (Form_pg_class) GETSTRUCT(tup);
		const char *name = NameStr(form->relname);
		int			b;

		/* in the internal schema since 0.6.0, in the API schema before */
		if (form->relnamespace != internal && form->relnamespace != r->nsp)
			continue;
		if (strcmp(name, "_signal_orgs") == 0)
			r->sig_orgs = form->oid;
		else if (strcmp(name, "_signal_roles") == 0)
			r->sig_roles = form->oid;
		else if (strcmp(name, "_signal_resources") == 0)
			r->sig_res = form->oid;
		else if (strcmp(name, "_signal_actions") == 0)
			r->sig_actions = form->oid;
		else if (strcmp(name, "_signal_logins") == 0)
			r->sig_logins = form->oid;
		else if (sscanf(name, "_signal_user_%d", &b) == 1 && b >= 0 && b < AP_USER_BUCKETS)
			r->sig_user[b] = form->oid;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	/* all buckets or none: a partial set would miss invalidations */
	for (int b = 0; b < AP_USER_BUCKETS; b++)
		if (!OidIsValid(r->sig_user[b]))
		{
			memset(r->sig_user, 0, sizeof(r->sig_user));
			break;
		}
}

/* ---------- Citus: reading a reference table from its local placement ---------- */

/*
 * DistShardScan: the rows of Citus's pg_dist_shard whose column keycol
 * equals value (by the equality eq, through the index named index if it
 * exists): how many, and the logical relation and shard id of the last.
 */
static int
DistShardScan(const char *keycol, Datum value, RegProcedure eq, const char *index,
			  Oid *logical, int64 *shard)
{
	Oid			distshard = get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE);
	AttrNumber	rel_att;
	AttrNumber	id_att;
	AttrNumber	key_att;
	Oid			idx;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	int			n = 0;

	if (!OidIsValid(distshard))
		return 0;
	rel_att = get_attnum(distshard, "logicalrelid");
	id_att = get_attnum(distshard, "shardid");
	key_att = get_attnum(distshard, keycol);
	if (rel_att == InvalidAttrNumber || id_att == InvalidAttrNumber || key_att == InvalidAttrNumber)
		return 0;
	idx = get_relname_relid(index, PG_CATALOG_NAMESPACE);
	ScanKeyInit(&key, key_att, BTEqualStrategyNumber, eq, value);
	rel = table_open(distshard, AccessShareLock);
	/* SnapshotSelf: this transaction's own distribution (create_reference_table) counts */
	scan = systable_beginscan(rel, idx, OidIsValid(idx), SnapshotSelf, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		null1;
		bool		null2;
		Datum		r = heap_getattr(tup, rel_att, RelationGetDescr(rel), &null1);
		Datum		d = heap_getattr(tup, id_att, RelationGetDescr(rel), &null2);

		if (null1 || null2)
			continue;
		*logical = DatumGetObjectId(r);
		*shard = DatumGetInt64(d);
		n++;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return n;
}

/*
 * ShardOf: the shard Citus recorded for relid in pg_dist_shard, 0 when it
 * recorded none (a plain table).  A policy table with several shards (hash
 * distributed) is refused: every node must hold all the policy data.
 */
static int64
ShardOf(Oid relid)
{
	Oid			logical = InvalidOid;
	int64		shard = 0;
	int			n = DistShardScan("logicalrelid", ObjectIdGetDatum(relid), F_OIDEQ,
								  "pg_dist_shard_logical_relid_index", &logical, &shard);

	if (n > 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("access_policy table \"%s\" is distributed over %d shards", get_rel_name(relid), n),
				 errdetail("Every node must hold all of the policy data."),
				 errhint("Make the policy tables reference tables (examples/citus/distribute.sql).")));
	return n == 1 ? shard : 0;
}

/*
 * ApLogicalRelation: under Citus, the distributed table whose shard relid
 * is (named <table>_<shard id> in the table's schema, as pg_dist_shard
 * says); otherwise relid itself.  The support activity trigger fires on
 * shards.
 */
Oid
ApLogicalRelation(Oid relid)
{
	char	   *name = get_rel_name(relid);
	char	   *us = name ? strrchr(name, '_') : NULL;
	char	   *end;
	int64		shard;
	Oid			logical = InvalidOid;
	int64		found = 0;
	char	   *lname;

	if (us == NULL || us[1] < '0' || us[1] > '9')
		return relid;
	errno = 0;
	shard = strtoi64(us + 1, &end, 10);
	if (errno != 0 || *end != '\0')
		return relid;
	if (DistShardScan("shardid", Int64GetDatum(shard), F_INT8EQ, "pg_dist_shard_shardid_index",
					  &logical, &found) != 1)
		return relid;
	lname = get_rel_name(logical);
	if (lname == NULL || get_rel_namespace(logical) != get_rel_namespace(relid) ||
		strlen(lname) != (size_t) (us - name) || strncmp(lname, name, us - name) != 0)
		return relid;
	return logical;
}

/*
 * Placed: the relation the cache reads for policy table relid: relid itself,
 * or under Citus the local placement of the reference table (relid is then
 * an empty shell and recorded as such).  A reference table without a
 * placement on this node fails: the checks would see no data and deny
 * everything without saying why.
 */
static Oid
Placed(ApRels *r, Oid relid)
{
	int64		shard;
	char	   *name;
	Oid			placed;

	if (!r->citus)
		return relid;
	shard = ShardOf(relid);
	if (shard == 0)
		return relid;
	name = psprintf("%s_" INT64_FORMAT, get_rel_name(relid), shard);
	placed = get_relname_relid(name, get_rel_namespace(relid));
	if (!OidIsValid(placed))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("access_policy table \"%s\" has no placement on this node", get_rel_name(relid)),
				 errdetail("Citus keeps its rows in shard " INT64_FORMAT ", which this node does not hold.", shard),
				 errhint("Replicate the reference tables to this node: SELECT replicate_reference_tables(); on the coordinator.")));
	if (r->nplaced < AP_MAX_PLACED)
		r->shell[r->nplaced++] = relid;
	return placed;
}

/* the names of an index's key columns, NULL if it has expressions */
static List *
IndexKeyNames(Oid indexid, Oid relid, bool *unique)
{
	HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexid));
	Form_pg_index form;
	List	   *names = NIL;

	if (!HeapTupleIsValid(tup))
		return NIL;
	form = (Form_pg_index) GETSTRUCT(tup);
	*unique = form->indisunique;
	for (int i = 0; i < form->indnatts; i++)
	{
		if (form->indkey.values[i] == 0)
		{
			list_free(names);
			names = NIL;
			break;
		}
		names = lappend(names, get_attname(relid, form->indkey.values[i], false));
	}
	ReleaseSysCache(tup);
	return names;
}

/*
 * PlacedIndex: the index of the placement that matches index indexid of the
 * shell (same key columns by name, same uniqueness): Citus names a shard's
 * indexes after the shell's, but shortens long names with a hash.
 */
static Oid
PlacedIndex(Oid shell, Oid placed, Oid indexid)
{
	Relation	rel;
	List	   *want;
	List	   *indexes;
	ListCell   *lc;
	bool		want_unique = false;
	Oid			found = InvalidOid;

	if (shell == placed || !OidIsValid(indexid))
		return indexid;
	want = IndexKeyNames(indexid, shell, &want_unique);
	rel = table_open(placed, AccessShareLock);
	indexes = RelationGetIndexList(rel);
	table_close(rel, AccessShareLock);
	foreach(lc, indexes)
	{
		bool		unique = false;
		List	   *have = IndexKeyNames(lfirst_oid(lc), placed, &unique);
		ListCell   *a,
				   *b;
		bool		same = want != NIL && unique == want_unique && list_length(have) == list_length(want);

		if (same)
		{
			forboth(a, want, b, have)
			{
				if (strcmp(lfirst(a), lfirst(b)) != 0)
					same = false;
			}
		}
		if (same)
		{
			found = lfirst_oid(lc);
			break;
		}
	}
	if (!OidIsValid(found))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the placement of access_policy table \"%s\" lacks index \"%s\"",
						get_rel_name(shell), get_rel_name(indexid))));
	return found;
}

/*
 * PlaceAll: under Citus, point every table and index OID of r at the local
 * placement (before the column numbers are looked up: a placement that Citus
 * created has no dropped columns, its shell may).
 */
static void
PlaceAll(ApRels *r)
{
	struct
	{
		Oid		   *table;
		Oid		   *index[3];
	}			map[] = {
		{&r->users, {&r->users_pkey}},
		{&r->orgs, {&r->orgs_pkey, &r->orgs_parent_idx, &r->orgs_key_idx}},
		{&r->permissions, {&r->permissions_pkey}},
		{&r->roles, {&r->roles_pkey}},
		{&r->role_permissions, {&r->role_permissions_pkey}},
		{&r->assignments, {&r->assignments_user_key}},
		{&r->resource_kinds, {NULL}},
		{&r->kind_actions, {NULL}},
		{&r->resources, {&r->resources_pkey, &r->resources_org_idx, &r->resources_key_idx}},
		{&r->resource_grants, {&r->resource_grants_resource_key, &r->resource_grants_org_idx}},
		{&r->login_roles, {&r->login_roles_pkey}},
		{&r->protected_tables, {NULL}},
		{&r->support_settings, {&r->support_settings_pkey}},
		{&r->support_overrides, {&r->support_overrides_pkey}},
		{&r->key_types, {NULL}},
	};

	r->citus = OidIsValid(get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE));
	if (!r->citus)
		return;
	for (int i = 0; i < lengthof(map); i++)
	{
		Oid			shell = *map[i].table;
		Oid			placed;

		if (!OidIsValid(shell))
			continue;
		placed = Placed(r, shell);
		*map[i].table = placed;
		for (int j = 0; j < lengthof(map[i].index) && map[i].index[j] != NULL; j++)
			*map[i].index[j] = PlacedIndex(shell, placed, *map[i].index[j]);
	}
}

/* ApIsShellOfPlaced: is relid a policy table whose rows Citus keeps elsewhere? */
bool
ApIsShellOfPlaced(Oid relid)
{
	for (int i = 0; i < ApCatalog.nplaced; i++)
		if (ApCatalog.shell[i] == relid)
			return true;
	return false;
}

void
ApResolveRels(void)
{
	ApRels		r;
	Oid			argtypes[1] = {TEXTOID};

	memset(&r, 0, sizeof(r));
	r.nsp = get_namespace_oid(AP_SCHEMA_NAME, true);
	if (!OidIsValid(r.nsp))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("access_policy is not installed in this database"),
				 errhint("Run CREATE EXTENSION access_policy.")));
	ApCatalog.nsp = r.nsp;
	r.users = LookupRel("users");
	r.users_pkey = LookupRel("users_pkey");
	r.orgs = LookupRel("orgs");
	r.orgs_pkey = LookupRel("orgs_pkey");
	/* orgs_children_idx since 0.4.0, orgs_parent_idx before */
	r.orgs_parent_idx = get_relname_relid("orgs_children_idx", r.nsp);
	if (!OidIsValid(r.orgs_parent_idx))
		r.orgs_parent_idx = LookupRel("orgs_parent_idx");
	r.permissions = LookupRel("permissions");
	r.permissions_pkey = LookupRel("permissions_pkey");
	r.roles = LookupRel("roles");
	r.roles_pkey = LookupRel("roles_pkey");
	r.role_permissions = LookupRel("role_permissions");
	r.role_permissions_pkey = LookupRel("role_permissions_pkey");
	r.assignments = LookupRel("assignments");
	r.assignments_user_key = LookupRel("assignments_user_id_org_id_role_id_key");
	r.resource_kinds = LookupRel("resource_kinds");
	r.kind_actions = LookupRel("kind_actions");
	r.resources = LookupRel("resources");
	r.resources_pkey = LookupRel("resources_pkey");
	r.resources_org_idx = LookupRel("resources_org_idx");
	r.resource_grants = LookupRel("resource_grants");
	r.resource_grants_resource_key = LookupRel("resource_grants_resource_id_role_id_authorized_org_id_key");
	r.resource_grants_org_idx = LookupRel("resource_grants_org_idx");
	r.login_roles = LookupRel("login_roles");
	r.login_roles_pkey = LookupRel("login_roles_pkey");
	r.protected_tables = LookupRel("protected_tables");
	r.support_settings = LookupRel("support_settings");
	r.support_settings_pkey = LookupRel("support_settings_pkey");
	r.support_overrides = LookupRel("support_overrides");
	r.support_overrides_pkey = LookupRel("support_overrides_pkey");
	r.key_types = get_relname_relid("key_types", r.nsp);
	if (OidIsValid(r.key_types))
	{
		r.orgs_key_idx = LookupRel("orgs_key_idx");
		r.resources_key_idx = LookupRel("resources_key_idx");
	}
	PlaceAll(&r);

	r.org_id_att = LookupAtt(r.orgs, "id");
	r.org_parent_att = LookupAtt(r.orgs, "parent_id");
	r.perm_name_att = LookupAtt(r.permissions, "name");
	r.perm_ro_att = LookupAtt(r.permissions, "read_only");
	r.perm_sread_att = LookupAtt(r.permissions, "support_read");
	r.perm_snever_att = LookupAtt(r.permissions, "support_never");
	r.ss_org_att = LookupAtt(r.support_settings, "org_id");
	r.ss_level_att = LookupAtt(r.support_settings, "level");
	r.ss_until_att = LookupAtt(r.support_settings, "expires_at");
	r.so_org_att = LookupAtt(r.support_overrides, "org_id");
	r.so_level_att = LookupAtt(r.support_overrides, "level");
	r.so_until_att = LookupAtt(r.support_overrides, "expires_at");
	r.user_support_att = LookupAtt(r.users, "is_support_staff");
	r.rp_role_att = LookupAtt(r.role_permissions, "role_id");
	r.rp_perm_att = LookupAtt(r.role_permissions, "permission");
	r.as_user_att = LookupAtt(r.assignments, "user_id");
	r.as_org_att = LookupAtt(r.assignments, "org_id");
	r.as_role_att = LookupAtt(r.assignments, "role_id");
	r.as_enabled_att = LookupAtt(r.assignments, "enabled");
	r.as_from_att = LookupAtt(r.assignments, "valid_from");
	r.as_until_att = LookupAtt(r.assignments, "expires_at");
	r.ka_kind_att = LookupAtt(r.kind_actions, "kind");
	r.ka_action_att = LookupAtt(r.kind_actions, "action");
	r.ka_perm_att = LookupAtt(r.kind_actions, "permission");
	r.res_id_att = LookupAtt(r.resources, "id");
	r.res_org_att = LookupAtt(r.resources, "org_id");
	r.res_parent_att = LookupAtt(r.resources, "parent_id");
	r.res_kind_att = LookupAtt(r.resources, "kind");
	r.gr_res_att = LookupAtt(r.resource_grants, "resource_id");
	r.gr_org_att = LookupAtt(r.resource_grants, "org_id");
	r.gr_role_att = LookupAtt(r.resource_grants, "role_id");
	r.gr_auth_att = LookupAtt(r.resource_grants, "authorized_org_id");
	r.gr_from_att = LookupAtt(r.resource_grants, "valid_from");
	r.gr_until_att = LookupAtt(r.resource_grants, "expires_at");
	r.role_id_att = LookupAtt(r.roles, "id");
	r.role_org_att = LookupAtt(r.roles, "org_id");
	r.lr_role_att = LookupAtt(r.login_roles, "role_name");
	r.lr_user_att = LookupAtt(r.login_roles, "user_id");
	r.user_id_att = LookupAtt(r.users, "id");
	ResolveSignals(&r);
	if (OidIsValid(r.key_types))
	{
		r.kt_kind_att = LookupAtt(r.key_types, "kind");
		r.kt_type_att = LookupAtt(r.key_types, "type");
		r.org_key_att = LookupAtt(r.orgs, "key");
		r.res_key_att = LookupAtt(r.resources, "key");
	}
	/* the key functions: ResolveKeyFunctions(), on first use */
	r.can_key_fn = InvalidOid;
	r.org_keys_with_fn = InvalidOid;
	r.orgs_with_fn = LookupFuncName(list_make2(makeString(AP_SCHEMA_NAME), makeString("orgs_with")),
									1, argtypes, false);
	r.valid = true;
	ApCatalog = r;
}

Oid
ApOrgsWithFunctionOid(void)
{
	return ApCatalog.orgs_with_fn;
}

/*
 * The key functions are looked up again while missing: a backend that ran
 * the install script resolved the relations before they existed.
 */
static void
ResolveKeyFunctions(void)
{
	Oid			kw_args[2] = {TEXTOID, ANYCOMPATIBLEOID};
	Oid			ck_args[2] = {ANYCOMPATIBLEOID, TEXTOID};

	if (!OidIsValid(ApCatalog.key_types))
		return;
	if (!OidIsValid(ApCatalog.org_keys_with_fn))
		ApCatalog.org_keys_with_fn = LookupFuncName(list_make2(makeString(AP_SCHEMA_NAME), makeString("org_keys_with")),
													2, kw_args, true);
	if (!OidIsValid(ApCatalog.can_key_fn))
		ApCatalog.can_key_fn = LookupFuncName(list_make2(makeString(AP_SCHEMA_NAME), makeString("can_key")),
											  2, ck_args, true);
}

Oid
ApOrgKeysWithFunctionOid(void)
{
	ResolveKeyFunctions();
	return ApCatalog.org_keys_with_fn;
}

/* ApIsKeyCheck: is funcid can_key() (the planner support is shared)? */
bool
ApIsKeyCheck(Oid funcid)
{
	ResolveKeyFunctions();
	return OidIsValid(ApCatalog.can_key_fn) && funcid == ApCatalog.can_key_fn;
}
