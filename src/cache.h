/*-------------------------------------------------------------------------
 *
 * cache.h
 *	  The entry of every check into the per-backend policy cache, and its
 *	  setup and statistics (cache.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef AP_CACHE_H
#define AP_CACHE_H

#include "access/xact.h"
#include "miscadmin.h"
#include "utils/timestamp.h"

#include "cache_state.h"

extern void ApCacheInit(void);
extern void ApBeginCheck(void);
extern TimestampTz ApCheckedStatement;
extern Oid	ApCheckedOuterUser;

/*
 * ApBeginCheckFast: the per-row entry of every check.  Nothing to do while
 * the same statement runs for the same role and nothing was invalidated (the
 * end of a transaction, inside a CALL, sets ApNeedBegin too).
 */
static inline void
ApBeginCheckFast(void)
{
	if (unlikely(ApNeedBegin ||
				 GetCurrentStatementStartTimestamp() != ApCheckedStatement ||
				 GetOuterUserId() != ApCheckedOuterUser))
		ApBeginCheck();
}

extern void ApCacheStats(int64 *memory, int *orgs, int *resources, int *roles,
						 int *perms, int *memo, int64 *rebuilds);

#endif							/* AP_CACHE_H */
