/*-------------------------------------------------------------------------
 *
 * cache.c
 *	  The per-backend policy cache: what the checks need to know about the
 *	  org tree, roles, the acting user's assignments and resource grants.
 *	  This file is its entry: ApBeginCheck at the start of every check, the
 *	  one relcache callback, the transaction callback and the executor start
 *	  hook that mark its parts stale, and its statistics.  The parts live in
 *	  one file each; every file of this list calls only files listed before
 *	  it, and this one calls them all:
 *
 *	  cache_state.c	what every part shares: staleness flags, the clock,
 *					the generation
 *	  catalog.c		our relations' OIDs and column numbers, by name
 *	  scan.c		reading rows by a bigint key with a scan kept open
 *	  resources.c	resources, their grants and kinds
 *	  memo.c		where what the user derives is kept; its reset
 *	  orgs.c		the org tree and its invalidation channels
 *	  roles.c		the permission registry and roles
 *	  user.c		the acting user and their assignments
 *	  actions.c		the actions of resource kinds
 *	  derive.c		what the user holds per org and per resource; the
 *					listings
 *	  invalidate.c	the trigger that signals writes to every backend
 *
 *	  The SQL-callable functions (check.c, planner_support.c) call this file
 *	  and the parts; the parts call neither.
 *
 * Everything is loaded lazily, one index lookup at a time, so that the first
 * check of a backend reads only what it needs; a listing reads the subtrees
 * it lists (orgs.c) or one org's resources at once, never the whole world
 * (except for support staff, who may see any org).
 *
 * Consistency: the invalidation trigger of every policy table (invalidate.c)
 * queues relcache invalidations that name the part of the cache a write
 * changes: a signal relation per part, a bucket of users, or the channels of
 * the orgs written.  They are transactional: other backends see them when
 * the writer commits, the writer itself at its next command.  The relcache
 * callback only marks the affected part stale; the next check throws that
 * part away and reloads it.  Loads read with a fresh catalog-style snapshot
 * (latest committed data plus the backend's own earlier commands), never the
 * transaction snapshot, so REPEATABLE READ transactions see revocations at
 * their next statement too.  The executor start hook accepts pending
 * invalidation messages at the start of every statement.
 *
 * Time: validity windows are evaluated at the start of the statement, or of
 * the transaction if it started later (a procedure that commits starts new
 * transactions inside one CALL statement).  The memo of derived permissions
 * remembers the earliest window boundary after the time it was computed for,
 * and is thrown away once a check's time is at or after that boundary, so
 * expiry needs no invalidation.
 *
 * Memory lives in contexts below CacheMemoryContext, one per part, reset
 * (never partially freed) when that part goes stale.  An entry is marked
 * loaded only after it is complete, so an error mid-load leaves nothing
 * half built behind.  Ids that do not exist are remembered only up to
 * AP_MAX_NEGATIVE per part, whatever ids the checks are asked about.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "actions.h"
#include "cache.h"
#include "cache_state.h"
#include "catalog.h"
#include "identity.h"
#include "identity_token.h"
#include "keys.h"
#include "memo.h"
#include "orgs.h"
#include "resources.h"
#include "roles.h"
#include "support.h"
#include "user.h"

/* the parent of the parts' memory contexts */
static MemoryContext ApTopContext = NULL;

/*
 * The parts' contexts start small (a backend whose users see one org keeps a
 * few kilobytes) and grow by blocks of at most 256 kB instead of doubling up
 * to 8 MB, which would leave up to half of a large part allocated but unused.
 */
#define MakeContext(name) AllocSetContextCreate(ApTopContext, name, 0, 8 * 1024, 256 * 1024)

/* the default support level ApBeginCheck last saw (ApSupportGeneration) */
static uint64 memo_support_gen = 0;

/* the fast path of ApBeginCheckFast(): valid while ApNeedBegin is false */
TimestampTz ApCheckedStatement = 0;
Oid			ApCheckedOuterUser = InvalidOid;
static int64 rebuild_count = 0;

static void ApRelcacheCallback(Datum arg, Oid relid);
static void ApXactCallback(XactEvent event, void *arg);
static void ApExecutorStart(QueryDesc *queryDesc, int eflags);
static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static void ApIdentityChanged(void);

/*
 * ApCacheInit registers the one relcache callback, the transaction callback,
 * the callback for identity changes and the executor start hook; called from
 * _PG_init.
 */
void
ApCacheInit(void)
{
	CacheRegisterRelcacheCallback(ApRelcacheCallback, (Datum) 0);
	RegisterXactCallback(ApXactCallback, NULL);
	ApRegisterIdentityCallback(ApIdentityChanged);
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = ApExecutorStart;
}

/*
 * ApXactCallback closes the fast path at the end of every transaction: the
 * next transaction has a later time even when no new statement starts (a
 * procedure that commits in a loop, whose PL/pgSQL simple expressions run
 * without the executor start hook).
 */
static void
ApXactCallback(XactEvent event, void *arg)
{
	ApNeedBegin = true;
}

/*
 * ApIdentityChanged closes the fast path when the identity may have changed
 * (identity.c calls it from the assign hooks of its settings).
 */
static void
ApIdentityChanged(void)
{
	ApNeedBegin = true;
}

/*
 * ApCheckTime: the time validity windows are evaluated at.  Inside a CALL
 * the statement start time stays the CALL's while each COMMIT starts a
 * transaction with a later start time.  Parallel workers get both times from
 * the leader; a hot standby has both too.
 */
static inline TimestampTz
ApCheckTime(void)
{
	return Max(GetCurrentStatementStartTimestamp(), GetCurrentTransactionStartTimestamp());
}

/*
 * ApExecutorStart makes every statement see policy changes committed before
 * it started: inside an open transaction no new lock may be taken, so
 * invalidation messages would otherwise wait.
 */
static void
ApExecutorStart(QueryDesc *queryDesc, int eflags)
{
	if (ApCatalog.valid)
		AcceptInvalidationMessages();
	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/*
 * ApRelcacheCallback only marks the part of the cache that depends on the
 * invalidated table as stale; nothing is freed here, since a check may be
 * using it right now.
 */
static void
ApRelcacheCallback(Datum arg, Oid relid)
{
	if (relid >= AP_ORG_CHANNEL_BASE && relid < AP_ORG_CHANNEL_BASE + AP_ORG_CHANNELS)
	{
		ApOrgChannelArrived(relid - AP_ORG_CHANNEL_BASE);
		return;
	}
	ApNeedBegin = true;
	if (relid == InvalidOid)
	{
		ApStaleAll = true;
		return;
	}
	if (!ApCatalog.valid)
		return;
	if (relid == ApCatalog.sig_orgs)
		ApStaleOrgs = true;
	else if (relid == ApCatalog.sig_roles)
		ApStaleRoles = true;
	else if (relid == ApCatalog.sig_res)
		ApStaleRes = true;
	else if (relid == ApCatalog.sig_actions)
		ApStaleActions = true;
	else if (relid == ApCatalog.sig_logins)
		ApStaleUser = true;
	else if (ApUserSignalBucket >= 0 && relid == ApCatalog.sig_user[ApUserSignalBucket])
		ApStaleUser = true;
	/* under Citus, a shell whose placement changed (its metadata did) */
	else if (ApCatalog.citus && ApIsShellOfPlaced(relid))
		ApStaleAll = true;
	/* the tables themselves: DDL, VACUUM, or a 0.1.0 schema's triggers */
	else
	{
		bool	   *part = NULL;

		if (relid == ApCatalog.orgs || relid == ApCatalog.support_settings || relid == ApCatalog.support_overrides)
			part = &ApStaleOrgs;
		else if (relid == ApCatalog.permissions || relid == ApCatalog.roles || relid == ApCatalog.role_permissions ||
				 (OidIsValid(ApCatalog.key_types) && relid == ApCatalog.key_types))
			part = &ApStaleRoles;
		else if (relid == ApCatalog.users || relid == ApCatalog.login_roles || relid == ApCatalog.assignments)
			part = &ApStaleUser;
		else if (relid == ApCatalog.resources || relid == ApCatalog.resource_grants)
			part = &ApStaleRes;
		else if (relid == ApCatalog.resource_kinds || relid == ApCatalog.kind_actions)
			part = &ApStaleActions;
		if (part != NULL)
			*part = true;
		/* under Citus the table may just have become a reference table: look again */
		if (part != NULL && ApCatalog.citus)
			ApStaleAll = true;
	}
}

/*
 * RecomputeHorizon finds the earliest validity boundary after now among the
 * loaded assignments and grants: the memo is right until then.
 */
static void
RecomputeHorizon(void)
{
	HASH_SEQ_STATUS seq;

	ApMemoBase = ApCheckNow;
	ApMemoHorizon = DT_NOEND;
	if (ApAssignHash)
	{
		UserOrgAssign *ua;

		hash_seq_init(&seq, ApAssignHash);
		while ((ua = hash_seq_search(&seq)) != NULL)
		{
			int			i;

			for (i = 0; i < ua->n; i++)
			{
				ApFoldBoundary(ua->rows[i].valid_from);
				ApFoldBoundary(ua->rows[i].expires_at);
			}
		}
	}
	if (ApOrgHash)
	{
		OrgNode    *n;

		hash_seq_init(&seq, ApOrgHash);
		while ((n = hash_seq_search(&seq)) != NULL)
		{
			if (n->has_setting)
				ApFoldBoundary(n->setting_until);
			if (n->has_override)
				ApFoldBoundary(n->override_until);
		}
	}
	if (ApResHash)
	{
		ResNode    *n;

		hash_seq_init(&seq, ApResHash);
		while ((n = hash_seq_search(&seq)) != NULL)
		{
			int			i;

			for (i = 0; i < n->ngrants; i++)
			{
				ApFoldBoundary(n->grants[i].valid_from);
				ApFoldBoundary(n->grants[i].expires_at);
			}
		}
	}
}

/*
 * ApBeginCheck is called at the entry of every SQL-callable function that
 * reads the cache.  It throws away the stale parts (here, not in the
 * callback, so no pointer handed out earlier in this call is freed) and the
 * derived memo once the clock has crossed a validity boundary.
 */
void
ApBeginCheck(void)
{
	if (ApTopContext == NULL)
	{
		ApTopContext = AllocSetContextCreate(CacheMemoryContext, "access_policy cache",
											 ALLOCSET_DEFAULT_SIZES);
		ApOrgContext = MakeContext("access_policy orgs");
		ApRoleContext = MakeContext("access_policy roles");
		ApUserContext = MakeContext("access_policy user");
		ApResContext = MakeContext("access_policy resources");
		ApMemoContext = MakeContext("access_policy memo");
		ApActionContext = MakeContext("access_policy actions");
		ApStaleAll = true;
	}

	/*
	 * Cleared first: an invalidation that arrives while loading sets it
	 * again.  The fast path stays closed until this function has finished
	 * (an error half way leaves ApCheckedStatement invalid).
	 */
	ApNeedBegin = false;
	ApCheckedStatement = 0;
	ApCheckNow = ApCheckTime();
	ApJwtRefresh();
	ApTokenRefresh(ApCheckNow);

	if (unlikely(ApStaleAll || ApStaleOrgs || ApStaleRoles || ApStaleUser || ApStaleRes || ApStaleActions))
	{
		/* a dropped and re-created extension has new relations */
		if (!ApStaleAll && (get_rel_namespace(ApCatalog.orgs) != ApCatalog.nsp ||
							get_namespace_oid(AP_SCHEMA_NAME, true) != ApCatalog.nsp))
			ApStaleAll = true;
		if (ApStaleAll)
		{
			ApCatalog.valid = false;
			/* resolve before clearing the flag: an error here retries next time */
			ApResolveRels();
			ApStaleAll = false;
			ApStaleOrgs = ApStaleRoles = ApStaleUser = ApStaleRes = ApStaleActions = true;
		}
		rebuild_count++;
		if (ApStaleOrgs)
		{
			ApStaleOrgs = false;
			ApResetOrgs();
		}
		if (ApStaleRoles)
		{
			ApStaleRoles = false;
			ApResetRoles();
			ApResetKeyTypes();

			/*
			 * permission bits are numbered afresh: everything holding bits
			 * goes too
			 */
			ApResetActions();
			ApResetMemo();
		}
		if (ApStaleRes)
		{
			ApStaleRes = false;
			ApResetRes();
			/* what was derived from them goes too */
			ApResetMemo();
		}
		if (ApStaleUser)
		{
			ApStaleUser = false;
			ApResetUser();
		}
		if (ApStaleActions)
		{
			ApStaleActions = false;
			ApResetActions();
		}
		RecomputeHorizon();
	}

	if (unlikely(memo_support_gen != ApSupportGeneration))
	{
		/* the deployment's default support level changed */
		memo_support_gen = ApSupportGeneration;
		ApResetMemo();
	}

	if (unlikely(ApCheckNow >= ApMemoHorizon || ApCheckNow < ApMemoBase))
	{
		/* a grant or an assignment has started or ended since the memo was made */
		ApResetMemo();
		RecomputeHorizon();
	}

	if (unlikely(!ApUserResolved || ApUserIdentityGen != ApIdentityGeneration ||
				 ApUserOuterOid != GetOuterUserId()))
		ApResolveUser();
	/*
	 * The fast path's key is the statement start time alone: within one
	 * transaction ApCheckNow changes only with it, and a new transaction
	 * sets ApNeedBegin (ApXactCallback).
	 */
	ApCheckedStatement = GetCurrentStatementStartTimestamp();
	ApCheckedOuterUser = ApUserOuterOid;
}

/* ApCacheStats: memory and entry counts of the cache (cache_stats()). */
void
ApCacheStats(int64 *memory, int *orgs, int *resources, int *roles,
			 int *perms, int *memo, int64 *rebuilds)
{
	*memory = MemoryContextMemAllocated(ApTopContext, true);
	*orgs = ApOrgHash ? (int) hash_get_num_entries(ApOrgHash) : 0;
	*resources = ApResHash ? (int) hash_get_num_entries(ApResHash) : 0;
	ApRoleStats(roles, perms);
	*memo = (int) ApMemoEntries;
	*rebuilds = rebuild_count;
}
