/*-------------------------------------------------------------------------
 *
 * roles.c
 *	  The permission registry and roles as the cache holds them: a bit
 *	  number per permission name (numbered in the order this backend meets
 *	  them), the permission set of each role, and the sets that each support
 *	  access level gives.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_collation.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "cache_state.h"
#include "catalog.h"
#include "roles.h"
#include "support.h"

MemoryContext ApRoleContext = NULL; /* permission registry and roles */

static HTAB *perm_hash = NULL;
static int	perm_count = 0;
static bool perms_all_loaded = false;
Bitmapset  *ApSupportLevelPerms[3]; /* by level: none, read, write */
static HTAB *role_hash = NULL;

void
ApResetRoles(void)
{
	MemoryContextReset(ApRoleContext);
	perm_hash = ApMakeHash("access_policy permissions", NAMEDATALEN, sizeof(PermEntry), ApRoleContext, true);
	role_hash = ApMakeHash("access_policy roles", sizeof(int64), sizeof(RoleEntry), ApRoleContext, false);
	perm_count = 0;
	perms_all_loaded = false;
	memset(ApSupportLevelPerms, 0, sizeof(ApSupportLevelPerms));
}

/*
 * ApPermissionIndex maps a permission name to its bit in this backend's
 * permission sets.  An unregistered name is almost always a typo, so it is an
 * error unless missing_ok.
 */
int
ApPermissionIndex(const char *name, bool missing_ok)
{
	PermEntry  *e;
	bool		found;
	char		key[NAMEDATALEN];
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData skey;
	bool		exists;

	if (strlen(name) >= NAMEDATALEN)
	{
		if (missing_ok)
			return -1;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("permission \"%.*s...\" does not exist", 40, name),
				 errhint("Permission names have at most 63 characters.")));
	}
	memset(key, 0, sizeof(key));
	strlcpy(key, name, NAMEDATALEN);
	e = hash_search(perm_hash, key, HASH_FIND, NULL);
	if (e)
		return e->index;

	rel = table_open(ApCatalog.permissions, AccessShareLock);
	ScanKeyInit(&skey, ApCatalog.perm_name_att, BTEqualStrategyNumber, F_TEXTEQ, CStringGetTextDatum(name));
	skey.sk_collation = DEFAULT_COLLATION_OID;
	scan = systable_beginscan(rel, ApCatalog.permissions_pkey, true, NULL, 1, &skey);
	exists = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	if (!exists)
	{
		if (missing_ok)
			return -1;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("permission \"%s\" does not exist", name),
				 errhint("Register it with access_policy.register_permission() or check the spelling.")));
	}
	e = hash_search(perm_hash, key, HASH_ENTER, &found);
	if (!found)
		e->index = perm_count++;
	return e->index;
}

RoleEntry *
ApGetRole(int64 role_id)
{
	RoleEntry  *e;
	bool		found;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData skey;
	HeapTuple	tup;
	Bitmapset  *perms = NULL;
	MemoryContext old;

	e = hash_search(role_hash, &role_id, HASH_FIND, NULL);
	if (e && e->loaded)
		return e;

	rel = table_open(ApCatalog.role_permissions, AccessShareLock);
	ScanKeyInit(&skey, ApCatalog.rp_role_att, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(role_id));
	scan = systable_beginscan(rel, ApCatalog.role_permissions_pkey, true, NULL, 1, &skey);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, ApCatalog.rp_perm_att, RelationGetDescr(rel), &isnull);
		int			idx;

		if (isnull)
			continue;
		idx = ApPermissionIndex(TextDatumGetCString(d), true);
		if (idx < 0)
			continue;
		old = MemoryContextSwitchTo(ApRoleContext);
		perms = bms_add_member(perms, idx);
		MemoryContextSwitchTo(old);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	e = hash_search(role_hash, &role_id, HASH_ENTER, &found);
	e->perms = perms;
	e->loaded = true;
	return e;
}

/*
 * ApLoadAllPermissions numbers every registered permission and builds the sets
 * that each support access level gives: read = read-only permissions plus
 * those marked support_read; write = all but those marked support_never.
 */
void
ApLoadAllPermissions(void)
{
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	TupleDesc	desc;
	MemoryContext old;

	if (perms_all_loaded)
		return;
	rel = table_open(ApCatalog.permissions, AccessShareLock);
	desc = RelationGetDescr(rel);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	old = MemoryContextSwitchTo(ApRoleContext);
	ApSupportLevelPerms[AP_SUPPORT_NONE] = NULL;
	ApSupportLevelPerms[AP_SUPPORT_READ] = NULL;
	ApSupportLevelPerms[AP_SUPPORT_WRITE] = NULL;
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		char		key[NAMEDATALEN];
		PermEntry  *e;
		bool		found;
		bool		ro = DatumGetBool(heap_getattr(tup, ApCatalog.perm_ro_att, desc, &isnull));
		bool		sread = DatumGetBool(heap_getattr(tup, ApCatalog.perm_sread_att, desc, &isnull));
		bool		snever = DatumGetBool(heap_getattr(tup, ApCatalog.perm_snever_att, desc, &isnull));

		memset(key, 0, sizeof(key));
		strlcpy(key, TextDatumGetCString(heap_getattr(tup, ApCatalog.perm_name_att, desc, &isnull)), NAMEDATALEN);
		e = hash_search(perm_hash, key, HASH_ENTER, &found);
		if (!found)
			e->index = perm_count++;
		if ((ro || sread) && !snever)
			ApSupportLevelPerms[AP_SUPPORT_READ] = bms_add_member(ApSupportLevelPerms[AP_SUPPORT_READ], e->index);
		if (!snever)
			ApSupportLevelPerms[AP_SUPPORT_WRITE] = bms_add_member(ApSupportLevelPerms[AP_SUPPORT_WRITE], e->index);
	}
	MemoryContextSwitchTo(old);
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	perms_all_loaded = true;
}

/* ApRoleStats: how many roles and permissions are cached (cache_stats()). */
void
ApRoleStats(int *roles, int *perms)
{
	*roles = role_hash ? (int) hash_get_num_entries(role_hash) : 0;
	*perms = perm_count;
}
