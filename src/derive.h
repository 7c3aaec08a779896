/*-------------------------------------------------------------------------
 *
 * derive.h
 *	  What the acting user holds, per org and per resource, and the listings
 *	  built on it (derive.c).  Call after ApBeginCheck().
 *
 *-------------------------------------------------------------------------
 */
#ifndef AP_DERIVE_H
#define AP_DERIVE_H

#include "nodes/bitmapset.h"

extern const Bitmapset *ApOrgPermissions(int64 org_id);
extern const Bitmapset *ApOrgRolePermissions(int64 org_id);
extern int64 *ApOrgsWithPermission(int perm_index, int *count);
extern const Bitmapset *ApResourcePermissions(int64 resource_id, int64 *org_id);
extern int64 *ApListResources(int64 root_id, int perm_index, const char *action, int *count);

#endif							/* AP_DERIVE_H */
