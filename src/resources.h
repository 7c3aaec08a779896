/*-------------------------------------------------------------------------
 *
 * resources.h
 *	  Resources, their grants and kinds, as the cache holds them
 *	  (resources.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef AP_RESOURCES_H
#define AP_RESOURCES_H

#include "datatype/timestamp.h"
#include "nodes/bitmapset.h"
#include "utils/hsearch.h"

typedef struct GrantRow
{
	int64		role_id;
	int64		authorized_org;
	TimestampTz valid_from;
	TimestampTz expires_at;
} GrantRow;

/*
 * ResNode: one resource, its grants and children, and what the acting user
 * derives on it (memo_perms, valid while memo_epoch is ApResMemoEpoch).  Kept
 * at 64 bytes: a user who reads every resource caches 200,000 of them.
 */
typedef struct ResNode
{
	int64		id;				/* hash key */
	int64		org_id;
	int64		parent_id;
	GrantRow   *grants;
	int64	   *children;		/* valid once the org's resources are loaded */
	Bitmapset  *memo_perms;		/* permissions held on it, from the org down */
	uint32		memo_epoch;
	int32		ngrants;
	int32		nchildren;
	int16		kind;			/* index into ApKindNames */
	bool		loaded:1;
	bool		exists:1;
	bool		has_parent:1;
	bool		grants_loaded:1;
} ResNode;

StaticAssertDecl(sizeof(ResNode) <= 64, "ResNode should stay within 64 bytes");

extern MemoryContext ApResContext;	/* resources and grants */
extern HTAB *ApResHash;			/* resource id -> ResNode */
extern char **ApKindNames;		/* ResNode.kind -> kind name */

/*
 * What a lookup of an unknown id returns once AP_MAX_NEGATIVE of them are
 * kept: shared, never in a hash table, never freed.
 */
extern ResNode ApMissingRes;

extern void ApResetRes(void);
extern ResNode *ApGetResNode(int64 id);
extern void ApLoadOrgResources(int64 org_id);

/* resource keys (0.5.0): canonical text, see keys.c */
extern bool ApResIdByKey(const char *key, int64 *id);
extern void ApResKeys(const int64 *ids, int n, const char **keys);

#endif							/* AP_RESOURCES_H */
