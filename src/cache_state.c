/*-------------------------------------------------------------------------
 *
 * cache_state.c
 *	  What every part of the per-backend policy cache shares: the staleness
 *	  flags (set by the relcache callback, consumed by ApBeginCheck), the
 *	  flag that closes the fast path, the time of the check and the horizon
 *	  of the memo, the generation, and the helper that makes the parts' hash
 *	  tables.  It calls nothing of access_policy.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/hsearch.h"

#include "cache_state.h"

/* staleness flags, set by the relcache callback and consumed by ApBeginCheck */
bool		ApStaleAll = true;
bool		ApStaleOrgs = false;
bool		ApStaleRoles = false;
bool		ApStaleUser = false;
bool		ApStaleRes = false;
bool		ApStaleActions = false;

static uint64 cache_generation = 1;

/* the fast path of ApBeginCheckFast(): valid while ApNeedBegin is false */
bool		ApNeedBegin = true;

/* the time of the check and the memo's span (see cache_state.h) */
TimestampTz ApCheckNow = 0;
TimestampTz ApMemoBase = 0;
TimestampTz ApMemoHorizon = DT_NOEND;

/* Fold a validity boundary into the memo horizon. */
void
ApFoldBoundary(TimestampTz b)
{
	if (b > ApCheckNow && b < ApMemoHorizon)
		ApMemoHorizon = b;
}

HTAB *
ApMakeHash(const char *name, Size keysize, Size entrysize, MemoryContext cxt, bool strings)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = cxt;
	return hash_create(name, 64, &ctl,
					   HASH_ELEM | HASH_CONTEXT | (strings ? HASH_STRINGS : HASH_BLOBS));
}

uint64
ApCacheGeneration(void)
{
	return cache_generation;
}

/* ApCacheNewGeneration: answers given before may have changed. */
void
ApCacheNewGeneration(void)
{
	cache_generation++;
}
