/*-------------------------------------------------------------------------
 *
 * roles.h
 *	  The permission registry and roles as the cache holds them (roles.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef AP_ROLES_H
#define AP_ROLES_H

#include "nodes/bitmapset.h"

typedef struct RoleEntry
{
	int64		id;				/* hash key */
	bool		loaded;
	Bitmapset  *perms;
} RoleEntry;

extern MemoryContext ApRoleContext; /* permission registry and roles */
extern Bitmapset *ApSupportLevelPerms[3];	/* by level: none, read, write */

/*
 * ApResetRoles numbers the permissions afresh: the caller throws away what
 * holds their bits too (kind actions, memo).
 */
extern void ApResetRoles(void);
extern int	ApPermissionIndex(const char *name, bool missing_ok);
extern RoleEntry *ApGetRole(int64 role_id);
extern void ApLoadAllPermissions(void);
extern void ApRoleStats(int *roles, int *perms);

#endif							/* AP_ROLES_H */
