/*-------------------------------------------------------------------------
 *
 * resources.c
 *	  Resources as the cache holds them: one node per resource with its
 *	  grants and, once its org's resources were read at once, its children;
 *	  the names of resource kinds.  Read one resource at a time on first use
 *	  (ApGetResNode), or one org's at once for the listings
 *	  (ApLoadOrgResources).  What the acting user derives on a node is worked
 *	  out in derive.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "cache_state.h"
#include "catalog.h"
#include "keys.h"
#include "resources.h"
#include "scan.h"

typedef struct ResOrgDone
{
	int64		org_id;			/* hash key */
	bool		complete;
} ResOrgDone;

/*
 * What a lookup of an unknown id returns once AP_MAX_NEGATIVE of them are
 * kept: shared, never in a hash table, never freed.
 */
ResNode		ApMissingRes = {.loaded = true,.exists = false};

MemoryContext ApResContext = NULL;	/* resources and grants */

HTAB	   *ApResHash = NULL;
static HTAB *res_org_hash = NULL;
static HTAB *kind_hash = NULL;	/* resource kind name -> index */
char	  **ApKindNames = NULL;
static int	kind_count = 0;
static int	kind_cap = 0;
static int	res_negative = 0;	/* ApResHash nodes of ids that do not exist */

/*
 * The resource hash can hold hundreds of thousands of entries; its memory
 * comes from a context with small blocks (the default doubling up to 8 MB
 * blocks leaves up to a third of the memory allocated but unused).
 */
static MemoryContext ResHashContext = NULL;

/* the keys of resources read so far, both ways (keys.c); reset with the part */
static KeyMap res_keys;

static void *
ResHashAlloc(Size size)
{
	return MemoryContextAlloc(ResHashContext, size);
}

static HTAB *
MakeResHash(void)
{
	HASHCTL		ctl;

	ResHashContext = AllocSetContextCreate(ApResContext, "access_policy resource nodes",
										   ALLOCSET_SMALL_MINSIZE, 8 * 1024, 256 * 1024);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(ResNode);
	ctl.hcxt = ApResContext;
	ctl.alloc = ResHashAlloc;
	return hash_create("access_policy resources", 1024, &ctl,
					   HASH_ELEM | HASH_CONTEXT | HASH_BLOBS | HASH_ALLOC);
}

void
ApResetRes(void)
{
	MemoryContextReset(ApResContext);
	ApResHash = MakeResHash();
	res_org_hash = ApMakeHash("access_policy resource orgs", sizeof(int64), sizeof(ResOrgDone), ApResContext, false);
	kind_hash = ApMakeHash("access_policy resource kinds", NAMEDATALEN, sizeof(PermEntry), ApResContext, true);
	ApKindNames = NULL;
	kind_count = 0;
	kind_cap = 0;
	res_negative = 0;
	ApKeyMapInit(&res_keys, ApResContext);
}

/* ReadGrant: a resource_grants row as a GrantRow. */
static void
ReadGrant(GrantRow *g, HeapTuple tup, TupleDesc desc)
{
	bool		isnull;

	g->role_id = DatumGetInt64(heap_getattr(tup, ApCatalog.gr_role_att, desc, &isnull));
	g->authorized_org = DatumGetInt64(heap_getattr(tup, ApCatalog.gr_auth_att, desc, &isnull));
	g->valid_from = DatumGetTimestampTz(heap_getattr(tup, ApCatalog.gr_from_att, desc, &isnull));
	g->expires_at = DatumGetTimestampTz(heap_getattr(tup, ApCatalog.gr_until_att, desc, &isnull));
	ApFoldBoundary(g->valid_from);
	ApFoldBoundary(g->expires_at);
}

/* InternKind: the index of a resource kind name, shared by every node. */
static int16
InternKind(const char *name)
{
	PermEntry  *e;
	bool		found;
	char		key[NAMEDATALEN];

	memset(key, 0, sizeof(key));
	strlcpy(key, name, NAMEDATALEN);
	e = hash_search(kind_hash, key, HASH_ENTER, &found);
	if (!found)
	{
		if (kind_count >= PG_INT16_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many resource kinds in use"),
					 errdetail("access_policy caches at most %d distinct resource kinds.", PG_INT16_MAX)));
		if (kind_count == kind_cap)
		{
			kind_cap = kind_cap ? kind_cap * 2 : 8;
			ApKindNames = ApKindNames ? repalloc(ApKindNames, sizeof(char *) * kind_cap)
				: MemoryContextAlloc(ApResContext, sizeof(char *) * kind_cap);
		}
		ApKindNames[kind_count] = MemoryContextStrdup(ApResContext, key);
		e->index = kind_count++;
	}
	return (int16) e->index;
}

static void
FillResNode(ResNode *n, HeapTuple tup, TupleDesc desc)
{
	bool		isnull;
	Datum		d;
	char	   *kind;

	n->exists = true;
	n->org_id = DatumGetInt64(heap_getattr(tup, ApCatalog.res_org_att, desc, &isnull));
	d = heap_getattr(tup, ApCatalog.res_parent_att, desc, &isnull);
	n->has_parent = !isnull;
	n->parent_id = isnull ? 0 : DatumGetInt64(d);
	kind = TextDatumGetCString(heap_getattr(tup, ApCatalog.res_kind_att, desc, &isnull));
	n->kind = InternKind(kind);
	pfree(kind);
	n->grants_loaded = false;
	n->ngrants = 0;
	n->grants = NULL;
	n->nchildren = 0;
	n->children = NULL;
	n->memo_epoch = 0;
	n->memo_perms = NULL;
}

ResNode *
ApGetResNode(int64 id)
{
	ResNode    *n;
	bool		found;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData skey;
	HeapTuple	tup;

	n = hash_search(ApResHash, &id, HASH_FIND, NULL);
	if (n && n->loaded)
		return n;
	n = hash_search(ApResHash, &id, HASH_ENTER, &found);
	n->loaded = false;

	rel = table_open(ApCatalog.resources, AccessShareLock);
	ScanKeyInit(&skey, ApCatalog.res_id_att, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(id));
	scan = systable_beginscan(rel, ApCatalog.resources_pkey, true, NULL, 1, &skey);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		FillResNode(n, tup, RelationGetDescr(rel));
	else
	{
		memset(((char *) n) + sizeof(int64), 0, sizeof(ResNode) - sizeof(int64));
		n->exists = false;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	if (n->exists)
	{
		GrantRow   *rows = NULL;
		int			nrows = 0;
		int			cap = 0;

		rel = table_open(ApCatalog.resource_grants, AccessShareLock);
		ScanKeyInit(&skey, ApCatalog.gr_res_att, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(id));
		scan = systable_beginscan(rel, ApCatalog.resource_grants_resource_key, true, NULL, 1, &skey);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			if (nrows == cap)
			{
				cap = cap ? cap * 2 : 4;
				rows = rows ? repalloc(rows, sizeof(GrantRow) * cap) : palloc(sizeof(GrantRow) * cap);
			}
			ReadGrant(&rows[nrows++], tup, RelationGetDescr(rel));
		}
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
		if (nrows > 0)
		{
			n->grants = MemoryContextAlloc(ApResContext, sizeof(GrantRow) * nrows);
			memcpy(n->grants, rows, sizeof(GrantRow) * nrows);
			pfree(rows);
		}
		n->ngrants = nrows;
		n->grants_loaded = true;
	}
	n->loaded = true;
	if (!n->exists)
	{
		/* one unknown id too many: not kept */
		if (res_negative >= AP_MAX_NEGATIVE)
		{
			hash_search(ApResHash, &id, HASH_REMOVE, NULL);
			ApMissingRes.id = id;
			return &ApMissingRes;
		}
		res_negative++;
	}
	return n;
}

/*
 * ApLoadOrgResources reads all resources of one org and their grants at once,
 * with child lists, for the listing functions.  Grants and child lists are
 * laid out in one block each, a contiguous slice per resource.  Nodes being
 * (re)loaded are marked by loaded = grants_loaded = false until the end, so
 * an error half way leaves nothing that looks complete, and only they take
 * part (a node read earlier in this statement and since deleted does not).
 */
typedef struct OrgLoad
{
	ResNode   **filled;			/* the nodes (re)loaded by this call */
	int			nfilled;
	int			fcap;
} OrgLoad;

static void
LoadOrgResourcesInner(int64 org_id, OrgLoad *ld)
{
	ResOrgDone *done;
	bool		found;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData skey;
	HeapTuple	tup;
	TupleDesc	desc;
	ResNode    *n;
	int			i;

	rel = table_open(ApCatalog.resources, AccessShareLock);
	desc = RelationGetDescr(rel);
	ScanKeyInit(&skey, ApCatalog.res_org_att, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(org_id));
	scan = systable_beginscan(rel, ApCatalog.resources_org_idx, true, NULL, 1, &skey);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		int64		id = DatumGetInt64(heap_getattr(tup, ApCatalog.res_id_att, desc, &isnull));

		CHECK_FOR_INTERRUPTS();
		n = hash_search(ApResHash, &id, HASH_ENTER, &found);
		/* reload even if present: grants and children are rebuilt below */
		n->loaded = false;
		FillResNode(n, tup, desc);
		if (n->org_id != org_id)
			continue;
		if (ld->nfilled == ld->fcap)
		{
			ld->fcap *= 2;
			ld->filled = repalloc_huge(ld->filled, sizeof(ResNode *) * ld->fcap);
		}
		ld->filled[ld->nfilled++] = n;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

#define BEING_LOADED(x) ((x) != NULL && (x)->exists && !(x)->loaded && !(x)->grants_loaded && (x)->org_id == org_id)

	/* grants: read, counted per resource, then one block */
	{
		typedef struct PendingGrant
		{
			ResNode    *node;
			GrantRow	row;
		} PendingGrant;
		PendingGrant *pend = NULL;
		int			npend = 0;
		int			pcap = 0;
		GrantRow   *slab;
		int			off = 0;

		rel = table_open(ApCatalog.resource_grants, AccessShareLock);
		desc = RelationGetDescr(rel);
		ScanKeyInit(&skey, ApCatalog.gr_org_att, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(org_id));
		scan = systable_beginscan(rel, ApCatalog.resource_grants_org_idx, true, NULL, 1, &skey);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			bool		isnull;
			int64		rid = DatumGetInt64(heap_getattr(tup, ApCatalog.gr_res_att, desc, &isnull));

			CHECK_FOR_INTERRUPTS();
			n = hash_search(ApResHash, &rid, HASH_FIND, NULL);
			if (!BEING_LOADED(n))
				continue;
			if (npend == pcap)
			{
				pcap = pcap ? pcap * 2 : 64;
				pend = pend ? repalloc_huge(pend, sizeof(PendingGrant) * pcap)
					: palloc(sizeof(PendingGrant) * pcap);
			}
			pend[npend].node = n;
			ReadGrant(&pend[npend].row, tup, desc);
			npend++;
			n->ngrants++;
		}
		systable_endscan(scan);
		table_close(rel, AccessShareLock);

		if (npend > 0)
		{
			slab = MemoryContextAllocHuge(ApResContext, sizeof(GrantRow) * npend);
			for (i = 0; i < ld->nfilled; i++)
			{
				n = ld->filled[i];
				if (n->ngrants > 0)
				{
					n->grants = slab + off;
					off += n->ngrants;
					n->ngrants = 0;
				}
			}
			Assert(off == npend);
			for (i = 0; i < npend; i++)
			{
				n = pend[i].node;
				n->grants[n->ngrants++] = pend[i].row;
			}
			pfree(pend);
		}
	}

	/* child lists: counted per parent, then one block */
	{
		int64		total = 0;
		int64	   *slab;
		int64		off = 0;
		ResNode    *p;

		for (i = 0; i < ld->nfilled; i++)
		{
			n = ld->filled[i];
			if (!n->has_parent)
				continue;
			p = hash_search(ApResHash, &n->parent_id, HASH_FIND, NULL);
			if (!BEING_LOADED(p))
				continue;
			p->nchildren++;
			total++;
		}
		if (total > 0)
		{
			slab = MemoryContextAllocHuge(ApResContext, sizeof(int64) * total);
			for (i = 0; i < ld->nfilled; i++)
			{
				n = ld->filled[i];
				if (n->nchildren > 0)
				{
					n->children = slab + off;
					off += n->nchildren;
					n->nchildren = 0;
				}
			}
			Assert(off == total);
			for (i = 0; i < ld->nfilled; i++)
			{
				n = ld->filled[i];
				if (!n->has_parent)
					continue;
				p = hash_search(ApResHash, &n->parent_id, HASH_FIND, NULL);
				if (!BEING_LOADED(p))
					continue;
				p->children[p->nchildren++] = n->id;
			}
		}
	}
#undef BEING_LOADED

	for (i = 0; i < ld->nfilled; i++)
	{
		ld->filled[i]->grants_loaded = true;
		ld->filled[i]->loaded = true;
	}
	done = hash_search(res_org_hash, &org_id, HASH_ENTER, &found);
	done->complete = true;
}

void
ApLoadOrgResources(int64 org_id)
{
	ResOrgDone *done;
	OrgLoad    *ld;

	done = hash_search(res_org_hash, &org_id, HASH_FIND, NULL);
	if (done && done->complete)
		return;
	ld = palloc(sizeof(OrgLoad));
	ld->nfilled = 0;
	ld->fcap = 64;
	ld->filled = palloc(sizeof(ResNode *) * ld->fcap);
	PG_TRY();
	{
		LoadOrgResourcesInner(org_id, ld);
	}
	PG_CATCH();
	{
		/*
		 * Interrupted half way: the nodes stay not loaded (the next lookup
		 * reads each again) and no longer count as part of a load.
		 */
		for (int i = 0; i < ld->nfilled; i++)
			ld->filled[i]->grants_loaded = true;
		PG_RE_THROW();
	}
	PG_END_TRY();
	pfree(ld->filled);
	pfree(ld);
}

/*
 * Resource keys (0.5.0).  Any write to resources throws the whole part away
 * (sig_res), the keys read with it.
 */

/* ApResIdByKey: the resource with this canonical key, if there is one. */
bool
ApResIdByKey(const char *key, int64 *id)
{
	if (!OidIsValid(ApCatalog.resources_key_idx))
		return false;
	if (ApKeyMapId(&res_keys, key, id))
		return true;
	if (!ApKeyIndexLookup(ApCatalog.resources, ApCatalog.resources_key_idx, ApCatalog.res_key_att,
						  ApCatalog.res_id_att, key, id))
		return false;
	ApKeyMapPut(&res_keys, ApResContext, *id, key);
	return true;
}

/* ApResKeys: the canonical keys of n resources (NULL: none). */
void
ApResKeys(const int64 *ids, int n, const char **keys)
{
	KeyScan		ks = {0};

	for (int i = 0; i < n; i++)
	{
		HeapTuple	tup;

		if (ApKeyMapKey(&res_keys, ids[i], &keys[i]))
			continue;
		keys[i] = NULL;
		if (!OidIsValid(ApCatalog.resources_key_idx))
			continue;
		if (!ks.open)
			ApKeyScanOpen(&ks, ApCatalog.resources, ApCatalog.resources_pkey, ApCatalog.res_id_att);
		CHECK_FOR_INTERRUPTS();
		tup = ApKeyScanFirst(&ks, ids[i]);
		if (tup != NULL)
		{
			bool		isnull;
			Datum		d = heap_getattr(tup, ApCatalog.res_key_att, RelationGetDescr(ks.heap), &isnull);
			char	   *k = isnull ? NULL : TextDatumGetCString(d);

			ApKeyMapPut(&res_keys, ApResContext, ids[i], k);
			ApKeyMapKey(&res_keys, ids[i], &keys[i]);
			if (k)
				pfree(k);
		}
	}
	ApKeyScanClose(&ks);
}
