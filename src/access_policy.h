/*-------------------------------------------------------------------------
 *
 * access_policy.h
 *	  Declarations shared by the C files of access_policy: identity, the
 *	  per-backend policy cache and the checks built on it.
 *
 * Minimum PostgreSQL version: 15.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ACCESS_POLICY_H
#define ACCESS_POLICY_H

#include "access/xact.h"
#include "miscadmin.h"
#include "nodes/bitmapset.h"
#include "utils/timestamp.h"

#if PG_VERSION_NUM < 150000
#error "access_policy requires PostgreSQL 15 or later"
#endif

#define AP_SCHEMA_NAME		"access_policy"
#define AP_MAX_USER_ID_LEN	256

/* access_policy.c: settings */
#define AP_SUPPORT_NONE		0
#define AP_SUPPORT_READ		1
#define AP_SUPPORT_WRITE	2
extern int	ApInvitationLifetime;
extern int	ApSupportDefaultLevel;
extern int	ApSupportOverrideMax;
extern char *ApSupportOverrideRole;

/* support.c */
extern uint64 ApSupportGeneration;
extern void ApSupportDefaultAssign(int newval, void *extra);

/* identity.c */
extern char *ApIdentityGuc;
extern uint64 ApIdentityGeneration;
extern void ApDefineIdentityGuc(void);
extern const char *ApIdentityString(void);
extern bool ApIdentityFromJwt;
extern char *ApJwtClaim;
extern void ApDefineJwtGucs(void);
extern void ApJwtRefresh(void);

/* cache.c: what a check needs about the acting user */
#define AP_USER_BUCKETS		16

/*
 * Org channels: a write to an org (or its support setting or override)
 * signals the channel of the org's id and of its old and new parent, a
 * relcache invalidation of the number AP_ORG_CHANNEL_BASE + channel, which
 * names no relation.  A backend reloads its org tree only when a channel it
 * read from is signalled.  The numbers sit at the top of the OID space, where
 * an OID is only ever assigned after the counter wrapped around; a real
 * relation that got one would only cause a needless reload.
 */
#define AP_ORG_CHANNELS		4096
#define AP_ORG_CHANNEL_BASE	((Oid) (PG_UINT32_MAX - 2 * AP_ORG_CHANNELS))
extern uint32 ApOrgChannel(int64 org_id);
extern int	ApUserBucket(const char *id, int len);
extern void ApCacheInit(void);
extern void ApBeginCheck(void);
extern bool ApNeedBegin;
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
extern uint64 ApCacheGeneration(void);
extern bool ApHaveUser(void);
extern const char *ApCurrentUserId(void);
extern bool ApIsSystem(void);
extern int	ApPermissionIndex(const char *name, bool missing_ok);
extern const Bitmapset *ApOrgPermissions(int64 org_id);
extern const Bitmapset *ApResourcePermissions(int64 resource_id, int64 *org_id);
extern const Bitmapset *ApActionPermissions(int64 resource_id, const char *action);
extern bool ApOrgIsDescendantLatest(int64 org_id, int64 ancestor_id);
extern int64 *ApOrgsWithPermission(int perm_index, int *count);
struct ArrayType;
extern struct ArrayType *ApOrgsWithArray(int perm_index);
extern int64 *ApListResources(int64 root_id, int perm_index, const char *action, int *count);
extern double ApOrgCountEstimate(void);
extern Oid	ApOrgsWithFunctionOid(void);
extern void ApCacheStats(int64 *memory, int *orgs, int *resources, int *roles,
						 int *perms, int *memo, int64 *rebuilds);

#endif							/* ACCESS_POLICY_H */
