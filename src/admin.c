/*-------------------------------------------------------------------------
 *
 * admin.c
 *	  The permission tests of the administration functions: does the acting
 *	  user hold a permission at an org through a role (_holds), the refusal
 *	  when not (_require), and may they hand out a role (_require_role_perms).
 *	  Administration counts role assignments only, never support access:
 *	  what support access gives works on tenant data and ends with it, so it
 *	  may create nothing that outlives it.  They read the cache as the checks
 *	  do: latest committed data, the check's clock, every isolation level.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"

#include "cache.h"
#include "catalog.h"
#include "derive.h"
#include "identity.h"
#include "roles.h"
#include "user.h"

/* HoldsIndex: does the acting user hold the permission (by index) through a role at org? */
static bool
HoldsIndex(int64 org, int idx)
{
	return idx >= 0 && ApHaveUser() && bms_is_member(idx, ApOrgRolePermissions(org));
}

PG_FUNCTION_INFO_V1(holds);

/*
 * holds(org_id, permission): does the acting user hold permission at the org
 * through a role assignment there or above (support access not counted)?  An
 * unknown permission is held by nobody.
 */
Datum
holds(PG_FUNCTION_ARGS)
{
	char	   *perm;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);
	ApBeginCheck();
	perm = text_to_cstring(PG_GETARG_TEXT_PP(1));
	PG_RETURN_BOOL(HoldsIndex(PG_GETARG_INT64(0), ApPermissionIndex(perm, true)));
}

/*
 * RefuseNoUser: the error of an administration call with no user acting --
 * or with an identity that names no user (a typo in set_user(), say), which
 * acts as nobody and is said as such.
 */
static void
RefuseNoUser(void)
{
	const char *ident = ApIdentityString();

	if (ident != NULL && ident[0] != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("access_policy user \"%s\" does not exist", ident),
				 errdetail("The identity set by access_policy.set_user() names no user: nobody is acting."),
				 errhint("Create the user with access_policy.create_user(), or pass the id of an existing one.")));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("no access_policy user is acting"),
			 errhint("Call access_policy.set_user() first, or map this login role with access_policy.map_login().")));
}

/* RequireUser: the system passes; nobody acting is refused. */
static bool
RequireUser(void)
{
	if (ApIsSystem())
		return false;
	if (!ApHaveUser())
		RefuseNoUser();
	return true;
}

PG_FUNCTION_INFO_V1(refuse_no_user);

/* _refuse_no_user(): RefuseNoUser() for the administration functions in SQL. */
Datum
refuse_no_user(PG_FUNCTION_ARGS)
{
	ApBeginCheck();
	RefuseNoUser();
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(identity_text);

/* _identity(): the identity set_user() set, NULL if none (known user or not). */
Datum
identity_text(PG_FUNCTION_ARGS)
{
	const char *ident;

	ApBeginCheck();
	ident = ApIdentityString();
	if (ident == NULL || ident[0] == '\0')
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(ident));
}

PG_FUNCTION_INFO_V1(require);

/*
 * require(org_id, permission): returns if the acting user holds permission
 * at the org through a role (or no user acts and the session is the
 * system); refuses otherwise.  A refusal names the org only where the user
 * may see it (settings.view), and says when support access alone gives the
 * permission.
 */
Datum
require(PG_FUNCTION_ARGS)
{
	char	   *perm;
	int64		org;
	int			idx;
	int			view;

	ApBeginCheck();
	if (!RequireUser())
		PG_RETURN_VOID();
	perm = PG_ARGISNULL(1) ? pstrdup("<NULL>") : text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (!PG_ARGISNULL(0) && !PG_ARGISNULL(1))
	{
		org = PG_GETARG_INT64(0);
		idx = ApPermissionIndex(perm, true);
		if (HoldsIndex(org, idx))
			PG_RETURN_VOID();
		view = ApPermissionIndex("settings.view", false);
		if (bms_is_member(view, ApOrgPermissions(org)))
		{
			/* an unregistered permission is an error here, as in can() */
			idx = ApPermissionIndex(perm, false);
			if (bms_is_member(idx, ApOrgPermissions(org)))
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("permission denied: %s at org " INT64_FORMAT, perm, org),
						 errdetail("User %s has %s at org " INT64_FORMAT " through support access only.",
								   ApCurrentUserId(), perm, org),
						 errhint("Support access works on tenant data; administration needs a role held at the org or above it.")));
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied: %s at org " INT64_FORMAT, perm, org),
					 errdetail("User %s does not hold %s at org " INT64_FORMAT " or at any org above it.",
							   ApCurrentUserId(), perm, org)));
		}
	}
	/* an org the user cannot see is not named: a refusal says nothing about it */
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied: %s", perm),
			 errdetail("The target does not exist or is not in an org you may act on.")));
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(require_role_perms);

/*
 * require_role_perms(org_id, role_id): refuses to hand out a role carrying a
 * permission the acting user does not hold at the org through a role (the
 * first such permission by name is named).  The system passes.
 */
Datum
require_role_perms(PG_FUNCTION_ARGS)
{
	int64		org;
	Relation	rel;
	Relation	index;
	SysScanDesc scan;
	ScanKeyData skey;
	HeapTuple	tup;
	char	   *lacking = NULL;

	ApBeginCheck();
	if (ApIsSystem() || PG_ARGISNULL(1))
		PG_RETURN_VOID();
	org = PG_ARGISNULL(0) ? 0 : PG_GETARG_INT64(0);
	/* the role's permissions in name order (the key's order) */
	rel = table_open(ApCatalog.role_permissions, AccessShareLock);
	index = index_open(ApCatalog.role_permissions_pkey, AccessShareLock);
	ScanKeyInit(&skey, ApCatalog.rp_role_att, BTEqualStrategyNumber, F_INT8EQ, PG_GETARG_DATUM(1));
	scan = systable_beginscan_ordered(rel, index, NULL, 1, &skey);
	while (lacking == NULL && HeapTupleIsValid(tup = systable_getnext_ordered(scan, ForwardScanDirection)))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, ApCatalog.rp_perm_att, RelationGetDescr(rel), &isnull);
		char	   *perm;

		if (isnull)
			continue;
		perm = TextDatumGetCString(d);
		if (PG_ARGISNULL(0) || !HoldsIndex(org, ApPermissionIndex(perm, true)))
			lacking = perm;
	}
	systable_endscan_ordered(scan);
	index_close(index, AccessShareLock);
	table_close(rel, AccessShareLock);
	if (lacking != NULL)
	{
		if (PG_ARGISNULL(0))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied: cannot grant a role carrying %s which you do not hold at org <NULL>", lacking),
					 errhint("Nobody can hand out permissions they do not hold themselves.")));
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied: cannot grant a role carrying %s which you do not hold at org " INT64_FORMAT,
						lacking, org),
				 errhint("Nobody can hand out permissions they do not hold themselves.")));
	}
	PG_RETURN_VOID();
}
