/*-------------------------------------------------------------------------
 *
 * orgs.c
 *	  The org tree as the cache holds it: one node per org with its parent,
 *	  its support setting and override and, once read, its child list; the
 *	  org channels that tell a backend which of its nodes a write made stale;
 *	  and the two questions answered from the table itself (an estimate of
 *	  the number of orgs, and the cycle check's ancestry).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/itup.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/visibilitymap.h"
#include "common/hashfn.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "cache_state.h"
#include "catalog.h"
#include "compat.h"
#include "keys.h"
#include "memo.h"
#include "orgs.h"
#include "scan.h"
#include "support.h"

/*
 * The org tree is read lazily, one org at a time: a check reads the chain
 * from the org up to its root (ApGetOrgNodeWalk), a listing reads the child
 * lists of the subtrees it walks down (ApLoadChildren) through
 * orgs_children_idx.
 * Only support staff, for whom any org may be open, read the whole tree
 * (ApLoadAllOrgs).  Whatever is read is touched (OrgTouch), so that only the
 * writes to those orgs make this backend read them again.
 */

/*
 * What a lookup of an unknown id returns once AP_MAX_NEGATIVE of them are
 * kept: shared, never in a hash table, never freed.
 */
static OrgNode missing_org = {.loaded = true,.exists = false};

MemoryContext ApOrgContext = NULL;	/* org tree */

HTAB	   *ApOrgHash = NULL;
bool		ApOrgsComplete = false; /* every org is in ApOrgHash (support
									 * staff) */
uint32		ApOrgMark = 0;		/* number of the last listing that marked
								 * nodes */
static int	org_negative = 0;	/* ApOrgHash nodes of ids that do not exist */

/*
 * Org channels (see ApOrgChannel): which channels the cached org nodes and
 * child lists were read from, and for every channel the sequence number of
 * the last invalidation message that arrived for it.  A message for a touched
 * channel makes the org part stale; so does touching a channel whose last
 * message arrived after the snapshot the data were read with was taken.
 */
static uint64 org_touched[AP_ORG_CHANNELS / 64];
static bool org_touched_all = false;	/* the whole tree is loaded */
static uint64 org_arrived[AP_ORG_CHANNELS];
static uint64 org_msg_seq = 0;

/* the keys of orgs read so far, both ways (keys.c); reset with the tree */
static KeyMap org_keys;

/*
 * The same keys by the bytes of their value (a uuid's 16 bytes, an
 * integer's 8, a text's characters), so that a check by a key of the
 * configured type finds a key read before without making its canonical
 * text; filled by ApOrgRememberKeyBytes() after a lookup by text.
 */
typedef struct KeyBytesEntry
{
	uint64		hash;			/* hash key */
	int64		id;
	int			len;
	char	   *bytes;
} KeyBytesEntry;

static HTAB *org_key_bytes = NULL;

void
ApResetOrgs(void)
{
	MemoryContextReset(ApOrgContext);
	ApOrgHash = ApMakeHash("access_policy orgs", sizeof(int64), sizeof(OrgNode), ApOrgContext, false);
	ApOrgsComplete = false;
	org_negative = 0;
	memset(org_touched, 0, sizeof(org_touched));
	org_touched_all = false;
	ApKeyMapInit(&org_keys, ApOrgContext);
	org_key_bytes = ApMakeHash("access_policy org key bytes", sizeof(uint64), sizeof(KeyBytesEntry),
							   ApOrgContext, false);
	ApResetMemo();
}

/*
 * ApOrgKeyChannel: the channel of an org key (its canonical text), in the
 * same space as the org ids' (the same in every backend).
 */
uint32
ApOrgKeyChannel(const char *key, int len)
{
	return hash_bytes((const unsigned char *) key, len) % AP_ORG_CHANNELS;
}

/* ApOrgChannel: the channel of an org id (the same in every backend). */
uint32
ApOrgChannel(int64 org_id)
{
	return hash_bytes((const unsigned char *) &org_id, sizeof(org_id)) % AP_ORG_CHANNELS;
}

/*
 * OrgTouch records that data about org_id (its row, its support rows, or
 * with it as parent, its child list) is about to be read, or was read with a
 * snapshot taken when org_msg_seq was since: a message that arrived for its
 * channel after that makes the part stale right away.
 */
static inline void
OrgTouchChannel(uint32 c, uint64 since)
{

	org_touched[c / 64] |= UINT64CONST(1) << (c % 64);
	if (unlikely(org_arrived[c] > since))
	{
		ApStaleOrgs = true;
		ApNeedBegin = true;
	}
}

static inline void
OrgTouch(int64 org_id, uint64 since)
{
	OrgTouchChannel(ApOrgChannel(org_id), since);
}

/*
 * ApOrgChannelArrived: an invalidation message for the channel arrived (the
 * relcache callback).  It makes the org part stale if the channel was
 * touched.
 */
void
ApOrgChannelArrived(uint32 c)
{
	org_arrived[c] = ++org_msg_seq;
	if (org_touched_all || (org_touched[c / 64] & (UINT64CONST(1) << (c % 64))) != 0)
	{
		ApStaleOrgs = true;
		ApNeedBegin = true;
	}
}

static void
FillOrgNode(OrgNode *n, HeapTuple tup, TupleDesc desc)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, ApCatalog.org_parent_att, desc, &isnull);

	n->exists = true;
	n->has_parent = !isnull;
	n->parent_id = isnull ? 0 : DatumGetInt64(d);
	n->nchildren = 0;
	n->children = NULL;
	n->children_loaded = false;
	n->support_loaded = false;
	n->has_setting = false;
	n->has_override = false;
}

static int8
LevelFromText(Datum d)
{
	char	   *s = TextDatumGetCString(d);

	if (strcmp(s, "write") == 0)
		return AP_SUPPORT_WRITE;
	if (strcmp(s, "read") == 0)
		return AP_SUPPORT_READ;
	return AP_SUPPORT_NONE;
}

/*
 * SupportRowToNode copies a support_settings (or, with is_override, a
 * support_overrides) row into its org's node.
 */
static void
SupportRowToNode(OrgNode *n, HeapTuple tup, TupleDesc desc, bool is_override)
{
	bool		isnull;
	int8		level = LevelFromText(heap_getattr(tup, is_override ? ApCatalog.so_level_att : ApCatalog.ss_level_att,
												   desc, &isnull));
	TimestampTz until = DatumGetTimestampTz(heap_getattr(tup, is_override ? ApCatalog.so_until_att : ApCatalog.ss_until_att,
														 desc, &isnull));

	if (is_override)
	{
		n->has_override = true;
		n->override_level = level;
		n->override_until = until;
	}
	else
	{
		n->has_setting = true;
		n->setting_level = level;
		n->setting_until = until;
	}
	ApFoldBoundary(until);
}

static void
OrgWalkStart(OrgWalk *walk)
{
	if (!walk->started)
	{
		walk->started = true;
		walk->since = org_msg_seq;
	}
}

static void
ChildScanOpen(ChildScan *cs)
{
	cs->heap = table_open(ApCatalog.orgs, AccessShareLock);
	cs->index = index_open(ApCatalog.orgs_parent_idx, AccessShareLock);
	cs->snapshot = RegisterSnapshot(GetCatalogSnapshot(ApCatalog.orgs));
	cs->covering = cs->index->rd_index->indnatts >= 2 &&
		cs->index->rd_index->indkey.values[1] == ApCatalog.org_id_att;
	cs->slot = table_slot_create(cs->heap, NULL);
	cs->scan = index_beginscan_compat(cs->heap, cs->index, cs->snapshot, 1, 0);
	cs->scan->xs_want_itup = true;
	cs->vmbuffer = InvalidBuffer;
	cs->open = true;
}

static void
ChildScanClose(ChildScan *cs)
{
	if (!cs->open)
		return;
	if (BufferIsValid(cs->vmbuffer))
		ReleaseBuffer(cs->vmbuffer);
	index_endscan(cs->scan);
	ExecDropSingleTupleTableSlot(cs->slot);
	index_close(cs->index, AccessShareLock);
	UnregisterSnapshot(cs->snapshot);
	table_close(cs->heap, AccessShareLock);
	cs->open = false;
}

void
ApOrgWalkEnd(OrgWalk *walk)
{
	ApKeyScanClose(&walk->orgs);
	ChildScanClose(&walk->children);
	ApKeyScanClose(&walk->settings);
	ApKeyScanClose(&walk->overrides);
}

/*
 * ScanSupport reads support_settings or support_overrides: the row of one org
 * (n given) or every row (n NULL, for the whole loaded tree).
 */
static void
ScanSupport(OrgNode *n, bool is_override)
{
	Oid			relid = is_override ? ApCatalog.support_overrides : ApCatalog.support_settings;
	Oid			indexid = is_override ? ApCatalog.support_overrides_pkey : ApCatalog.support_settings_pkey;
	AttrNumber	orgatt = is_override ? ApCatalog.so_org_att : ApCatalog.ss_org_att;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData skey;
	HeapTuple	tup;

	rel = table_open(relid, AccessShareLock);
	if (n != NULL)
	{
		ScanKeyInit(&skey, orgatt, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(n->id));
		scan = systable_beginscan(rel, indexid, true, NULL, 1, &skey);
	}
	else
		scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		OrgNode    *target = n;

		if (target == NULL)
		{
			bool		isnull;
			int64		id = DatumGetInt64(heap_getattr(tup, orgatt, RelationGetDescr(rel), &isnull));

			target = hash_search(ApOrgHash, &id, HASH_FIND, NULL);
			if (target == NULL)
				continue;
		}
		SupportRowToNode(target, tup, RelationGetDescr(rel), is_override);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

/*
 * KeepOrgNode: the node just read, kept in ApOrgHash unless it is one unknown
 * id too many (then the shared missing_org stands for it).
 */
static OrgNode *
KeepOrgNode(OrgNode *n)
{
	int64		id = n->id;

	if (n->exists)
		return n;
	if (org_negative < AP_MAX_NEGATIVE)
	{
		org_negative++;
		return n;
	}
	hash_search(ApOrgHash, &id, HASH_REMOVE, NULL);
	missing_org.id = id;
	return &missing_org;
}

/*
 * ApGetOrgNodeWalk: the org's node, read from the table on first use, with its
 * support setting and override if need_support; walk, if not NULL, holds
 * scans kept open for a series of lookups.  The node of an unknown id may be
 * the shared missing_org.
 */
OrgNode *
ApGetOrgNodeWalk(int64 org_id, OrgWalk *walk, bool need_support)
{
	OrgNode    *n;
	bool		found;
	HeapTuple	tup;
	uint64		since;

	n = hash_search(ApOrgHash, &org_id, HASH_FIND, NULL);
	if (n && n->loaded && (n->support_loaded || !need_support || !n->exists))
		return n;
	if (n == NULL)
	{
		n = hash_search(ApOrgHash, &org_id, HASH_ENTER, &found);
		n->loaded = false;
		n->mark = 0;
	}
	if (ApOrgsComplete)
	{
		/* the whole tree is here: an id not in it does not exist */
		Assert(!n->loaded);
		n->exists = false;
		n->loaded = true;
		return KeepOrgNode(n);
	}

	if (walk != NULL)
		OrgWalkStart(walk);
	since = walk ? walk->since : org_msg_seq;
	OrgTouch(org_id, since);

	if (!n->loaded)
	{
		n->exists = false;
		n->has_parent = false;
		n->nchildren = 0;
		n->children = NULL;
		n->children_loaded = false;
		n->support_loaded = false;
		n->has_setting = false;
		n->has_override = false;
		if (walk != NULL)
		{
			if (!walk->orgs.open)
				ApKeyScanOpen(&walk->orgs, ApCatalog.orgs, ApCatalog.orgs_pkey, ApCatalog.org_id_att);
			tup = ApKeyScanFirst(&walk->orgs, org_id);
			if (tup != NULL)
				FillOrgNode(n, tup, RelationGetDescr(walk->orgs.heap));
		}
		else
		{
			Relation	rel;
			SysScanDesc scan;
			ScanKeyData skey;

			rel = table_open(ApCatalog.orgs, AccessShareLock);
			ScanKeyInit(&skey, ApCatalog.org_id_att, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(org_id));
			scan = systable_beginscan(rel, ApCatalog.orgs_pkey, true, NULL, 1, &skey);
			tup = systable_getnext(scan);
			if (HeapTupleIsValid(tup))
				FillOrgNode(n, tup, RelationGetDescr(rel));
			systable_endscan(scan);
			table_close(rel, AccessShareLock);
		}
		n->loaded = true;
	}

	if (n->exists && need_support && !n->support_loaded)
	{
		if (walk != NULL)
		{
			if (!walk->settings.open)
			{
				ApKeyScanOpen(&walk->settings, ApCatalog.support_settings, ApCatalog.support_settings_pkey,
							  ApCatalog.ss_org_att);
				ApKeyScanOpen(&walk->overrides, ApCatalog.support_overrides, ApCatalog.support_overrides_pkey,
							  ApCatalog.so_org_att);
			}
			tup = ApKeyScanFirst(&walk->settings, org_id);
			if (tup != NULL)
				SupportRowToNode(n, tup, RelationGetDescr(walk->settings.heap), false);
			tup = ApKeyScanFirst(&walk->overrides, org_id);
			if (tup != NULL)
				SupportRowToNode(n, tup, RelationGetDescr(walk->overrides.heap), true);
		}
		else
		{
			ScanSupport(n, false);
			ScanSupport(n, true);
		}
		n->support_loaded = true;
	}
	return KeepOrgNode(n);
}

OrgNode *
ApGetOrgNode(int64 org_id)
{
	return ApGetOrgNodeWalk(org_id, NULL, true);
}

/* SetChildren: the child list of p, from kids[0..n). */
static void
SetChildren(OrgNode *p, OrgNode **kids, int n)
{
	p->children = NULL;
	if (n > 0)
	{
		p->children = MemoryContextAllocHuge(ApOrgContext, sizeof(OrgNode *) * n);
		memcpy(p->children, kids, sizeof(OrgNode *) * n);
	}
	p->nchildren = n;
	p->children_loaded = true;
}

static int
CompareOrgNodes(const void *a, const void *b)
{
	int64		x = (*(OrgNode *const *) a)->id;
	int64		y = (*(OrgNode *const *) b)->id;

	return (x > y) - (x < y);
}

/* an index entry of a parent not asked about: past this many, descend again */
#define AP_CHILD_SKIP	32

/*
 * ApLoadChildren reads the child lists of the np existing orgs ps (none of
 * them loaded yet), and the rows of the children not read yet, in one
 * forward pass over orgs_children_idx in parent order: the scan descends the
 * index once and again only where the next parent asked about is farther
 * than AP_CHILD_SKIP entries away, so that the orgs of a level of a subtree
 * cost about one index entry each, a leaf nothing more than the entry it
 * lies next to.  ps is sorted here.
 */
void
ApLoadChildren(OrgNode **ps, int np, OrgWalk *walk)
{
	ChildScan  *cs = &walk->children;
	OrgNode   **kids;
	int			nkids = 0;
	int			cap = 64;
	int			k = 0;
	int			skipped = 0;
	ScanKeyData skey;
	int			i;

	if (np == 0)
		return;
	qsort(ps, np, sizeof(OrgNode *), CompareOrgNodes);
	OrgWalkStart(walk);
	for (i = 0; i < np; i++)
		OrgTouch(ps[i]->id, walk->since);
	if (!cs->open)
		ChildScanOpen(cs);
	kids = palloc(sizeof(OrgNode *) * cap);

	ScanKeyInit(&skey, 1, BTGreaterEqualStrategyNumber, F_INT8GE, Int64GetDatum(ps[0]->id));
	index_rescan(cs->scan, &skey, 1, NULL, 0);
	for (;;)
	{
		ItemPointer tid = index_getnext_tid(cs->scan, ForwardScanDirection);
		IndexTuple	itup;
		bool		isnull;
		int64		parent;
		int64		id;
		OrgNode    *c;
		bool		found;

		CHECK_FOR_INTERRUPTS();
		if (tid == NULL)
			break;
		itup = cs->scan->xs_itup;
		parent = DatumGetInt64(index_getattr(itup, 1, cs->scan->xs_itupdesc, &isnull));
		if (isnull)
			break;				/* roots sort last: no parent left to read */
		while (k < np && ps[k]->id < parent)
		{
			SetChildren(ps[k++], kids, nkids);
			nkids = 0;
			skipped = 0;
		}
		if (k == np)
			break;
		if (parent < ps[k]->id)
		{
			/* the child of an org not asked about */
			if (++skipped > AP_CHILD_SKIP)
			{
				ScanKeyInit(&skey, 1, BTGreaterEqualStrategyNumber, F_INT8GE, Int64GetDatum(ps[k]->id));
				index_rescan(cs->scan, &skey, 1, NULL, 0);
				skipped = 0;
			}
			continue;
		}

		/* a child of ps[k]: visible to the snapshot? */
		if (cs->covering &&
			VM_ALL_VISIBLE(cs->heap, ItemPointerGetBlockNumber(tid), &cs->vmbuffer))
			id = DatumGetInt64(index_getattr(itup, 2, cs->scan->xs_itupdesc, &isnull));
		else
		{
			bool		should_free;
			HeapTuple	tup;

			if (!index_fetch_heap(cs->scan, cs->slot))
				continue;
			tup = ExecFetchSlotHeapTuple(cs->slot, false, &should_free);
			id = DatumGetInt64(heap_getattr(tup, ApCatalog.org_id_att, RelationGetDescr(cs->heap), &isnull));
			/* a HOT update may have moved the org since the entry was made */
			if (DatumGetInt64(heap_getattr(tup, ApCatalog.org_parent_att, RelationGetDescr(cs->heap), &isnull)) != parent || isnull)
				continue;
		}
		c = hash_search(ApOrgHash, &id, HASH_ENTER, &found);
		if (!found)
		{
			c->mark = 0;
			c->loaded = false;
		}
		if (!c->loaded)
		{
			c->exists = true;
			c->has_parent = true;
			c->parent_id = parent;
			c->nchildren = 0;
			c->children = NULL;
			c->children_loaded = false;
			c->support_loaded = false;
			c->has_setting = false;
			c->has_override = false;
			c->loaded = true;
		}
		OrgTouch(id, walk->since);
		if (nkids == cap)
		{
			cap *= 2;
			kids = repalloc_huge(kids, sizeof(OrgNode *) * cap);
		}
		kids[nkids++] = c;
	}
	while (k < np)
	{
		SetChildren(ps[k++], kids, nkids);
		nkids = 0;
	}
	pfree(kids);
}

/*
 * ApLoadAllOrgs reads the whole org table once, with child lists and support
 * rows, for support staff (any org may be open to them).  Every channel
 * counts as touched.
 */
void
ApLoadAllOrgs(void)
{
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	HASH_SEQ_STATUS seq;
	OrgNode    *n;
	MemoryContext old;

	if (ApOrgsComplete)
		return;

	/* start from scratch: pointers into ApOrgHash are not held across this */
	ApResetOrgs();
	org_touched_all = true;
	rel = table_open(ApCatalog.orgs, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		int64		id = DatumGetInt64(heap_getattr(tup, ApCatalog.org_id_att, RelationGetDescr(rel), &isnull));
		bool		found;

		CHECK_FOR_INTERRUPTS();
		n = hash_search(ApOrgHash, &id, HASH_ENTER, &found);
		FillOrgNode(n, tup, RelationGetDescr(rel));
		n->mark = 0;
		n->loaded = true;
		n->support_loaded = true;
		n->children_loaded = true;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	/* support settings and overrides of every org */
	ScanSupport(NULL, false);
	ScanSupport(NULL, true);

	/* child lists: count, allocate, fill */
	hash_seq_init(&seq, ApOrgHash);
	while ((n = hash_seq_search(&seq)) != NULL)
	{
		if (n->has_parent)
		{
			OrgNode    *p = hash_search(ApOrgHash, &n->parent_id, HASH_FIND, NULL);

			if (p)
				p->nchildren++;
		}
	}
	old = MemoryContextSwitchTo(ApOrgContext);
	hash_seq_init(&seq, ApOrgHash);
	while ((n = hash_seq_search(&seq)) != NULL)
	{
		if (n->nchildren > 0)
			n->children = palloc(sizeof(OrgNode *) * n->nchildren);
		n->nchildren = 0;
	}
	MemoryContextSwitchTo(old);
	hash_seq_init(&seq, ApOrgHash);
	while ((n = hash_seq_search(&seq)) != NULL)
	{
		if (n->has_parent)
		{
			OrgNode    *p = hash_search(ApOrgHash, &n->parent_id, HASH_FIND, NULL);

			if (p)
				p->children[p->nchildren++] = n;
		}
	}
	ApOrgsComplete = true;
}

/*
 * ApOrgCountEstimate: about how many orgs there are, for the planner support
 * (the share of the orgs a user sees).  A small table is counted; a larger
 * one is estimated from its size and statistics, as the planner estimates
 * any table, instead of being read.  The caller calls ApBeginCheck() first.
 */
double
ApOrgCountEstimate(void)
{
	Relation	rel;
	BlockNumber blocks;
	double		result;

	rel = table_open(ApCatalog.orgs, AccessShareLock);
	blocks = RelationGetNumberOfBlocks(rel);
	if (blocks <= AP_SMALL_TABLE_BLOCKS)
	{
		SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);

		result = 0;
		while (HeapTupleIsValid(systable_getnext(scan)))
			result++;
		systable_endscan(scan);
	}
	else if (rel->rd_rel->relpages > 0 && rel->rd_rel->reltuples >= 0)
		result = rel->rd_rel->reltuples / rel->rd_rel->relpages * blocks;
	else
	{
		/* never analyzed: the tuple density of a typical org row */
		result = (double) blocks * (BLCKSZ / 64);
	}
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * ApOrgIsDescendantLatest: is org_id equal to or below ancestor_id in the
 * latest committed tree (plus this transaction's own changes)?  Used by the
 * cycle check, so it bypasses the cache and reads the table every time.  The
 * caller calls ApBeginCheck() first.
 */
bool
ApOrgIsDescendantLatest(int64 org_id, int64 ancestor_id)
{
	Relation	rel;
	int64		cur = org_id;
	int64		steps = 0;
	bool		result = false;

	rel = table_open(ApCatalog.orgs, AccessShareLock);
	for (;;)
	{
		SysScanDesc scan;
		ScanKeyData skey;
		HeapTuple	tup;
		bool		isnull;
		Datum		d;

		CHECK_FOR_INTERRUPTS();
		if (cur == ancestor_id)
		{
			result = true;
			break;
		}
		if (++steps > AP_MAX_CHAIN)
			ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("org tree above org " INT64_FORMAT " does not end", org_id),
						 errhint("The org tree contains a cycle, written around the cycle check (e.g. with triggers disabled).")));
		ScanKeyInit(&skey, ApCatalog.org_id_att, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(cur));
		scan = systable_beginscan(rel, ApCatalog.orgs_pkey, true, NULL, 1, &skey);
		tup = systable_getnext(scan);
		if (!HeapTupleIsValid(tup))
		{
			systable_endscan(scan);
			break;
		}
		d = heap_getattr(tup, ApCatalog.org_parent_att, RelationGetDescr(rel), &isnull);
		systable_endscan(scan);
		if (isnull)
			break;
		cur = DatumGetInt64(d);
	}
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * Org keys (0.5.0).  A key read is remembered with the org it names, and the
 * org's channel is touched: a changed or removed key, and a deleted org,
 * signal that channel (the invalidate_move and invalidate_row triggers), so
 * the remembered key goes with the org part.  A key that names no org is not
 * remembered: a new org's key cannot make anything remembered wrong.
 */

/* ApOrgIdByKey: the org with this canonical key, if there is one. */
bool
ApOrgIdByKey(const char *key, int64 *org_id)
{
	uint64		since = org_msg_seq;

	if (!OidIsValid(ApCatalog.orgs_key_idx))
		return false;
	if (ApKeyMapId(&org_keys, key, org_id))
		return true;
	/*
	 * The key's channel, found or not: a new org with this key (a write to
	 * orgs.key) signals it.  The org's channel once found: a change of the
	 * org (its key, or its deletion) signals that.
	 */
	OrgTouchChannel(ApOrgKeyChannel(key, strlen(key)), since);
	if (!ApKeyIndexLookup(ApCatalog.orgs, ApCatalog.orgs_key_idx, ApCatalog.org_key_att,
						  ApCatalog.org_id_att, key, org_id))
		return false;
	OrgTouch(*org_id, since);
	ApKeyMapPut(&org_keys, ApOrgContext, *org_id, key);
	return true;
}

/*
 * ApOrgKeys: the canonical keys of n orgs (NULL where an org has none or
 * does not exist), read with one scan kept open for those not read before.
 */
void
ApOrgKeys(const int64 *ids, int n, const char **keys)
{
	KeyScan		ks = {0};
	uint64		since = org_msg_seq;

	for (int i = 0; i < n; i++)
	{
		HeapTuple	tup;

		if (ApKeyMapKey(&org_keys, ids[i], &keys[i]))
			continue;
		keys[i] = NULL;
		if (!OidIsValid(ApCatalog.orgs_key_idx))
			continue;
		if (!ks.open)
		{
			since = org_msg_seq;
			ApKeyScanOpen(&ks, ApCatalog.orgs, ApCatalog.orgs_pkey, ApCatalog.org_id_att);
		}
		CHECK_FOR_INTERRUPTS();
		tup = ApKeyScanFirst(&ks, ids[i]);
		if (tup != NULL)
		{
			bool		isnull;
			Datum		d = heap_getattr(tup, ApCatalog.org_key_att, RelationGetDescr(ks.heap), &isnull);
			char	   *k = isnull ? NULL : TextDatumGetCString(d);

			OrgTouch(ids[i], since);
			ApKeyMapPut(&org_keys, ApOrgContext, ids[i], k);
			ApKeyMapKey(&org_keys, ids[i], &keys[i]);
			if (k)
				pfree(k);
		}
	}
	ApKeyScanClose(&ks);
}

/* ApOrgIdByKeyBytes: the org of a key read before, by its value's bytes. */
bool
ApOrgIdByKeyBytes(const char *bytes, int len, int64 *org_id)
{
	uint64		h = hash_bytes_extended((const unsigned char *) bytes, len, 0);
	KeyBytesEntry *e = hash_search(org_key_bytes, &h, HASH_FIND, NULL);

	if (e == NULL || e->len != len || memcmp(e->bytes, bytes, len) != 0)
		return false;
	*org_id = e->id;
	return true;
}

/*
 * ApOrgRememberKeyBytes: the key with these bytes names org_id (just looked
 * up by ApOrgIdByKey(), which touched the org's channel: the entry goes with
 * the org part).
 */
void
ApOrgRememberKeyBytes(const char *bytes, int len, int64 org_id)
{
	uint64		h = hash_bytes_extended((const unsigned char *) bytes, len, 0);
	bool		found;
	KeyBytesEntry *e = hash_search(org_key_bytes, &h, HASH_ENTER, &found);

	/* of two keys with one hash, the first stays */
	if (found)
		return;
	e->id = org_id;
	e->len = len;
	e->bytes = MemoryContextAlloc(ApOrgContext, Max(len, 1));
	memcpy(e->bytes, bytes, len);
}
