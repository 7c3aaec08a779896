/*-------------------------------------------------------------------------
 *
 * memo.h
 *	  The memo: where what the acting user derives is kept (memo.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef AP_MEMO_H
#define AP_MEMO_H

#include "nodes/bitmapset.h"
#include "utils/hsearch.h"

typedef struct ApOrgMemo
{
	int64		org_id;			/* hash key */
	bool		valid;
	bool		exists;
	Bitmapset  *perms;			/* permissions from assignments here or above */
	Bitmapset  *eff_perms;		/* perms plus what support access gives here */
	int8		customer_level; /* support level the customer's settings give */
	int8		override_level; /* support level a vendor override gives */
	int			nroles;
	int64	   *roles;			/* roles validly held here (here or above) */
} ApOrgMemo;

extern MemoryContext ApMemoContext; /* derived, per acting user */
extern HTAB *ApOrgMemoHash;		/* org id -> ApOrgMemo */
extern uint32 ApResMemoEpoch;	/* a ResNode's memo is valid at this epoch */
extern long ApMemoEntries;
extern int	ApMemoNegative;		/* org memo entries of ids that do not exist */

extern void ApResetMemo(void);
extern void ApCheckMemoSize(void);

#endif							/* AP_MEMO_H */
