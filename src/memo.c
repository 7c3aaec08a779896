/*-------------------------------------------------------------------------
 *
 * memo.c
 *	  The memo: where what the acting user derives (derive.c) is kept, per
 *	  org in a hash table and per resource in its node, how big it may grow,
 *	  and throwing it all away (ApResetMemo) whenever what it was derived from
 *	  changes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "cache_state.h"
#include "memo.h"
#include "resources.h"

/* Limits that keep a backend's memory bounded; past them a part is rebuilt. */
#define AP_MAX_MEMO_ENTRIES		500000

MemoryContext ApMemoContext = NULL; /* derived, per acting user */

HTAB	   *ApOrgMemoHash = NULL;
uint32		ApResMemoEpoch = 1; /* a ResNode's memo is valid at this epoch */
long		ApMemoEntries = 0;
int			ApMemoNegative = 0; /* org memo entries of ids that do not exist */

void
ApResetMemo(void)
{
	MemoryContextReset(ApMemoContext);
	ApOrgMemoHash = ApMakeHash("access_policy org memo", sizeof(int64), sizeof(ApOrgMemo), ApMemoContext, false);
	ApMemoEntries = 0;
	ApMemoNegative = 0;
	ApCacheNewGeneration();
	/* every resource's memo is stale now; at wraparound clear them for real */
	if (++ApResMemoEpoch == 0)
	{
		HASH_SEQ_STATUS seq;
		ResNode    *n;

		if (ApResHash)
		{
			hash_seq_init(&seq, ApResHash);
			while ((n = hash_seq_search(&seq)) != NULL)
				n->memo_epoch = 0;
		}
		ApResMemoEpoch = 1;
	}
}

void
ApCheckMemoSize(void)
{
	if (ApMemoEntries >= AP_MAX_MEMO_ENTRIES)
		ApResetMemo();
}
