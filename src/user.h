/*-------------------------------------------------------------------------
 *
 * user.h
 *	  The acting user and their assignments as the cache holds them
 *	  (user.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef AP_USER_H
#define AP_USER_H

#include "datatype/timestamp.h"
#include "utils/hsearch.h"

typedef struct AssignRow
{
	int64		role_id;
	bool		enabled;
	TimestampTz valid_from;
	TimestampTz expires_at;
} AssignRow;

typedef struct UserOrgAssign
{
	int64		org_id;			/* hash key */
	int			n;
	int			cap;
	AssignRow  *rows;
} UserOrgAssign;

extern MemoryContext ApUserContext; /* acting user and assignments */

/*
 * Who is acting, as ApResolveUser() found; changed only in user.c.  derive.c
 * reads what the user is, ApBeginCheck whether to resolve again and the
 * relcache callback which user signal concerns this backend.
 */
extern bool ApUserResolved;
extern bool ApUserExists;
extern bool ApUserIsSupport;
extern uint64 ApUserIdentityGen;
extern Oid	ApUserOuterOid;
extern int	ApUserSignalBucket; /* signal bucket of the identity, -1 if none */
extern HTAB *ApAssignHash;		/* org id -> UserOrgAssign */

extern int	ApUserBucket(const char *id, int len);
extern void ApResetUser(void);
extern void ApResolveUser(void);
extern void ApLoadAssignments(void);

/* what the SQL functions ask about the acting user (after ApBeginCheck()) */
extern bool ApHaveUser(void);
extern const char *ApCurrentUserId(void);
extern bool ApIsSystem(void);

#endif							/* AP_USER_H */
