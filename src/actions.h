/*-------------------------------------------------------------------------
 *
 * actions.h
 *	  The actions of resource kinds: which permissions each needs
 *	  (actions.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef AP_ACTIONS_H
#define AP_ACTIONS_H

#include "nodes/bitmapset.h"

extern MemoryContext ApActionContext;	/* kind actions */

extern void ApResetActions(void);

/* ApCheckActionKnown: an action no kind defines is an error (a typo). */
extern void ApCheckActionKnown(const char *action);

/* ApActionNeeded: what an action needs on a kind; NULL if not defined there */
extern const Bitmapset *ApActionNeeded(const char *kind, const char *action);
extern const Bitmapset *ApActionPermissions(int64 resource_id, const char *action);

#endif							/* AP_ACTIONS_H */
