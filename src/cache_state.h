/*-------------------------------------------------------------------------
 *
 * cache_state.h
 *	  What every part of the per-backend policy cache shares: the limits,
 *	  the staleness flags, the flag that closes the fast path, the time of the
 *	  check and the horizon of the memo, the generation and the hash helper
 *	  (cache_state.c).  It calls nothing of access_policy: the parts (orgs.c,
 *	  roles.c, ...) sit above it and cache.c, which brings them up to date,
 *	  above them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef AP_CACHE_STATE_H
#define AP_CACHE_STATE_H

#include "datatype/timestamp.h"
#include "utils/hsearch.h"

#define AP_MAX_CHAIN			1000000	/* deeper than this can only be a cycle */

/*
 * Ids that do not exist are remembered (as "not there") up to this many per
 * part: orgs, resources and the memo.  Past it they are answered but not
 * kept, so that checks of millions of distinct unknown ids (which anyone who
 * may call a check can ask for) cannot grow the cache without end.
 */
#define AP_MAX_NEGATIVE			10000

/* a name and its number: permissions (roles.c), resource kinds (resources.c) */
typedef struct PermEntry
{
	char		name[NAMEDATALEN];	/* hash key */
	int			index;
} PermEntry;

/* staleness flags, set by the relcache callback and consumed by ApBeginCheck */
extern bool ApStaleAll;
extern bool ApStaleOrgs;
extern bool ApStaleRoles;
extern bool ApStaleUser;
extern bool ApStaleRes;
extern bool ApStaleActions;

/* the fast path of ApBeginCheckFast() (cache.h): valid while it is false */
extern bool ApNeedBegin;

/*
 * The time validity windows are evaluated at (ApBeginCheck sets it), and the
 * memo's span: it is right from ApMemoBase until ApMemoHorizon, the earliest
 * window boundary after that (cache.c, RecomputeHorizon).
 */
extern TimestampTz ApCheckNow;
extern TimestampTz ApMemoBase;
extern TimestampTz ApMemoHorizon;

extern void ApFoldBoundary(TimestampTz b);

/* ApValidNow: is the validity window [from, until) open at the check's time? */
static inline bool
ApValidNow(TimestampTz from, TimestampTz until)
{
	return from <= ApCheckNow && ApCheckNow < until;
}

/* ApMakeHash: a hash table in cxt (strings: its key is a C string) */
extern HTAB *ApMakeHash(const char *name, Size keysize, Size entrysize,
						MemoryContext cxt, bool strings);

/*
 * The generation: a new one whenever an answer given before may have changed
 * (the memo or the kind actions were thrown away), so that what the SQL
 * functions remember per call site is valid while it is unchanged.
 */
extern uint64 ApCacheGeneration(void);
extern void ApCacheNewGeneration(void);

#endif							/* AP_CACHE_STATE_H */
