/*-------------------------------------------------------------------------
 *
 * orgs.h
 *	  The org tree as the cache holds it, and its invalidation channels
 *	  (orgs.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef AP_ORGS_H
#define AP_ORGS_H

#include "datatype/timestamp.h"
#include "storage/buf.h"
#include "utils/hsearch.h"

#include "scan.h"

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

typedef struct OrgNode
{
	int64		id;				/* hash key */
	int64		parent_id;
	struct OrgNode **children;	/* valid once children_loaded */
	int32		nchildren;
	uint32		mark;			/* visited by the listing numbered so */
	bool		loaded;			/* the org's row has been read */
	bool		exists;
	bool		has_parent;
	bool		children_loaded;	/* its children have been read */
	bool		support_loaded; /* its support setting and override have been read */
	/* support access: the org's own setting and the vendor's override */
	bool		has_setting;
	int8		setting_level;
	bool		has_override;
	int8		override_level;
	TimestampTz setting_until;
	TimestampTz override_until;
} OrgNode;

/*
 * ChildScan: a forward scan of orgs_children_idx that reads the child lists of
 * many orgs in one pass (ApLoadChildren).  With the index's INCLUDE (id)
 * column (0.4.0) a child on an all-visible heap page is read from the index
 * alone, as an index-only scan does.
 */
typedef struct ChildScan
{
	bool		open;
	bool		covering;		/* the index holds the child's id too */
	Relation	heap;
	Relation	index;
	Snapshot	snapshot;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	Buffer		vmbuffer;
} ChildScan;

/*
 * OrgWalk: the scans of a series of org lookups, opened on first use.  since
 * is org_msg_seq before the first of their snapshots was taken.
 */
typedef struct OrgWalk
{
	bool		started;
	uint64		since;
	KeyScan		orgs;
	ChildScan	children;
	KeyScan		settings;
	KeyScan		overrides;
} OrgWalk;

extern MemoryContext ApOrgContext;	/* org tree */
extern HTAB *ApOrgHash;			/* org id -> OrgNode */
extern bool ApOrgsComplete;		/* every org is in ApOrgHash (support staff) */
extern uint32 ApOrgMark;		/* number of the last listing that marked
								 * nodes */

extern uint32 ApOrgChannel(int64 org_id);
extern uint32 ApOrgKeyChannel(const char *key, int len);
extern void ApOrgChannelArrived(uint32 channel);

extern void ApResetOrgs(void);
extern OrgNode *ApGetOrgNodeWalk(int64 org_id, OrgWalk *walk, bool need_support);
extern OrgNode *ApGetOrgNode(int64 org_id);
extern void ApOrgWalkEnd(OrgWalk *walk);
extern void ApLoadChildren(OrgNode **ps, int np, OrgWalk *walk);
extern void ApLoadAllOrgs(void);

/* org keys (0.5.0): canonical text, see keys.c */
extern bool ApOrgIdByKey(const char *key, int64 *org_id);
extern void ApOrgKeys(const int64 *ids, int n, const char **keys);
extern bool ApOrgIdByKeyBytes(const char *bytes, int len, int64 *org_id);
extern void ApOrgRememberKeyBytes(const char *bytes, int len, int64 org_id);

/* read the table, not the cache; call after ApBeginCheck() */
extern double ApOrgCountEstimate(void);
extern bool ApOrgIsDescendantLatest(int64 org_id, int64 ancestor_id);

#endif							/* AP_ORGS_H */
