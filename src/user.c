/*-------------------------------------------------------------------------
 *
 * user.c
 *	  The acting user as the cache holds them: who is acting (the identity
 *	  set by set_user() or taken from the JWT claims, else the user mapped to
 *	  the login role), whether they are support staff, and their
 *	  assignments, read at once on first use.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_collation.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "cache_state.h"
#include "catalog.h"
#include "identity.h"
#include "memo.h"
#include "orgs.h"
#include "user.h"

MemoryContext ApUserContext = NULL; /* acting user and assignments */

bool		ApUserResolved = false;
bool		ApUserExists = false;
static char *user_id = NULL;
static bool user_is_system = false;
bool		ApUserIsSupport = false;
uint64		ApUserIdentityGen = 0;
Oid			ApUserOuterOid = InvalidOid;
int			ApUserSignalBucket = -1;	/* signal bucket of the identity, -1
										 * if none */
HTAB	   *ApAssignHash = NULL;
static bool assigns_loaded = false;

/* ApUserBucket: the signal bucket of a user id. */
int
ApUserBucket(const char *id, int len)
{
	return (int) (hash_bytes((const unsigned char *) id, len) % AP_USER_BUCKETS);
}

void
ApResetUser(void)
{
	MemoryContextReset(ApUserContext);
	ApUserResolved = false;
	ApUserExists = false;
	user_id = NULL;
	user_is_system = false;
	ApUserIsSupport = false;
	ApAssignHash = NULL;
	assigns_loaded = false;
	ApResetMemo();
}

/*
 * ApResolveUser finds who is acting: the identity set by set_user(), else the
 * user mapped to the current login role.  An identity naming no known user
 * acts as nobody.  The user's data is kept when the answer is unchanged.
 */
void
ApResolveUser(void)
{
	const char *ident = ApIdentityString();
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	char	   *candidate = NULL;
	char	   *found = NULL;
	bool		is_support = false;
	bool		is_system = false;
	Oid			outer = GetOuterUserId();

	if (ident != NULL && ident[0] != '\0')
	{
		if (strlen(ident) <= AP_MAX_USER_ID_LEN)
			candidate = pstrdup(ident);
	}
	else
	{
		NameData	rolname;
		char	   *rn = GetUserNameFromId(outer, true);

		if (rn != NULL)
		{
			namestrcpy(&rolname, rn);
			rel = table_open(ApCatalog.login_roles, AccessShareLock);
			ScanKeyInit(&key, ApCatalog.lr_role_att, BTEqualStrategyNumber, F_NAMEEQ,
						NameGetDatum(&rolname));
			key.sk_collation = C_COLLATION_OID;
			scan = systable_beginscan(rel, ApCatalog.login_roles_pkey, true, NULL, 1, &key);
			tup = systable_getnext(scan);
			if (HeapTupleIsValid(tup))
			{
				bool		isnull;
				Datum		d = heap_getattr(tup, ApCatalog.lr_user_att, RelationGetDescr(rel), &isnull);

				if (!isnull)
					candidate = TextDatumGetCString(d);
			}
			systable_endscan(scan);
			table_close(rel, AccessShareLock);
		}
		if (candidate == NULL)
			is_system = superuser_arg(outer);
	}

	ApUserSignalBucket = candidate ? ApUserBucket(candidate, strlen(candidate)) : -1;
	if (candidate != NULL)
	{
		rel = table_open(ApCatalog.users, AccessShareLock);
		ScanKeyInit(&key, ApCatalog.user_id_att, BTEqualStrategyNumber, F_TEXTEQ,
					CStringGetTextDatum(candidate));
		key.sk_collation = DEFAULT_COLLATION_OID;
		scan = systable_beginscan(rel, ApCatalog.users_pkey, true, NULL, 1, &key);
		tup = systable_getnext(scan);
		if (HeapTupleIsValid(tup))
		{
			bool		isnull;
			Datum		d = heap_getattr(tup, ApCatalog.user_support_att, RelationGetDescr(rel), &isnull);

			found = candidate;
			is_support = !isnull && DatumGetBool(d);
		}
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
	}

	if ((found == NULL) != (user_id == NULL) ||
		(found != NULL && strcmp(found, user_id) != 0) ||
		is_support != ApUserIsSupport)
	{
		MemoryContextReset(ApUserContext);
		ApAssignHash = NULL;
		assigns_loaded = false;
		user_id = found ? MemoryContextStrdup(ApUserContext, found) : NULL;
		ApUserExists = (found != NULL);
		ApUserIsSupport = is_support;
		ApResetMemo();
		/* the whole tree read for support staff is not kept for anybody else */
		if (ApOrgsComplete && !is_support)
			ApResetOrgs();
	}
	user_is_system = is_system;
	ApUserIdentityGen = ApIdentityGeneration;
	ApUserOuterOid = outer;
	ApUserResolved = true;
}

bool
ApHaveUser(void)
{
	return ApUserExists;
}

const char *
ApCurrentUserId(void)
{
	return user_id;
}

bool
ApIsSystem(void)
{
	return user_is_system;
}

void
ApLoadAssignments(void)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData skey;
	HeapTuple	tup;
	TupleDesc	desc;
	MemoryContext old;

	if (assigns_loaded)
		return;
	if (ApAssignHash == NULL)
		ApAssignHash = ApMakeHash("access_policy assignments", sizeof(int64), sizeof(UserOrgAssign),
								  ApUserContext, false);
	if (!ApUserExists)
	{
		assigns_loaded = true;
		return;
	}

	rel = table_open(ApCatalog.assignments, AccessShareLock);
	desc = RelationGetDescr(rel);
	ScanKeyInit(&skey, ApCatalog.as_user_att, BTEqualStrategyNumber, F_TEXTEQ, CStringGetTextDatum(user_id));
	skey.sk_collation = DEFAULT_COLLATION_OID;
	scan = systable_beginscan(rel, ApCatalog.assignments_user_key, true, NULL, 1, &skey);
	old = MemoryContextSwitchTo(ApUserContext);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		int64		org = DatumGetInt64(heap_getattr(tup, ApCatalog.as_org_att, desc, &isnull));
		UserOrgAssign *ua;
		AssignRow  *row;
		bool		found;

		ua = hash_search(ApAssignHash, &org, HASH_ENTER, &found);
		if (!found)
		{
			ua->n = 0;
			ua->cap = 2;
			ua->rows = palloc(sizeof(AssignRow) * ua->cap);
		}
		else if (ua->n == ua->cap)
		{
			ua->cap *= 2;
			ua->rows = repalloc(ua->rows, sizeof(AssignRow) * ua->cap);
		}
		row = &ua->rows[ua->n++];
		row->role_id = DatumGetInt64(heap_getattr(tup, ApCatalog.as_role_att, desc, &isnull));
		row->enabled = DatumGetBool(heap_getattr(tup, ApCatalog.as_enabled_att, desc, &isnull));
		row->valid_from = DatumGetTimestampTz(heap_getattr(tup, ApCatalog.as_from_att, desc, &isnull));
		row->expires_at = DatumGetTimestampTz(heap_getattr(tup, ApCatalog.as_until_att, desc, &isnull));
		ApFoldBoundary(row->valid_from);
		ApFoldBoundary(row->expires_at);
	}
	MemoryContextSwitchTo(old);
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	assigns_loaded = true;
}
