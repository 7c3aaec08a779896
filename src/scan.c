/*-------------------------------------------------------------------------
 *
 * scan.c
 *	  Reading rows by a bigint key: one index scan kept open across many
 *	  lookups with one fresh snapshot (KeyScan), or for a small table, the
 *	  whole table read once into a hash.  The org tree's walks use it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "storage/bufmgr.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "cache_state.h"
#include "compat.h"
#include "scan.h"

typedef struct KeyedTuple
{
	int64		key;
	HeapTuple	tup;
} KeyedTuple;

/*
 * ApKeyScanOpen: keyatt is the heap column the index's first column holds.  A
 * small table (support settings and overrides usually are) is read whole
 * into a hash once, instead of one index probe per key.
 */
void
ApKeyScanOpen(KeyScan *ks, Oid heapid, Oid indexid, AttrNumber keyatt)
{
	ks->heap = table_open(heapid, AccessShareLock);
	ks->snapshot = RegisterSnapshot(GetCatalogSnapshot(heapid));
	ks->rows = NULL;
	ks->index = NULL;
	if (RelationGetNumberOfBlocks(ks->heap) <= AP_SMALL_TABLE_BLOCKS)
	{
		SysScanDesc scan = systable_beginscan(ks->heap, InvalidOid, false, ks->snapshot, 0, NULL);
		HeapTuple	tup;

		ks->rows_cxt = AllocSetContextCreate(CurrentMemoryContext, "access_policy small table",
											 ALLOCSET_SMALL_SIZES);
		ks->rows = ApMakeHash("access_policy small table", sizeof(int64), sizeof(KeyedTuple),
							  ks->rows_cxt, false);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			bool		isnull;
			int64		key = DatumGetInt64(heap_getattr(tup, keyatt, RelationGetDescr(ks->heap), &isnull));
			bool		found;
			KeyedTuple *kt;

			if (isnull)
				continue;
			kt = hash_search(ks->rows, &key, HASH_ENTER, &found);
			kt->tup = MemoryContextAlloc(ks->rows_cxt, HEAPTUPLESIZE + tup->t_len);
			kt->tup->t_len = tup->t_len;
			kt->tup->t_self = tup->t_self;
			kt->tup->t_tableOid = tup->t_tableOid;
			kt->tup->t_data = (HeapTupleHeader) ((char *) kt->tup + HEAPTUPLESIZE);
			memcpy(kt->tup->t_data, tup->t_data, tup->t_len);
		}
		systable_endscan(scan);
	}
	else
	{
		ks->index = index_open(indexid, AccessShareLock);
		ks->slot = table_slot_create(ks->heap, NULL);
		ks->scan = index_beginscan_compat(ks->heap, ks->index, ks->snapshot, 1, 0);
	}
	ks->open = true;
}

/* ApKeyScanFirst: the first row whose first index column equals key, or NULL. */
HeapTuple
ApKeyScanFirst(KeyScan *ks, int64 key)
{
	ScanKeyData skey;
	bool		should_free;

	if (ks->rows != NULL)
	{
		KeyedTuple *kt = hash_search(ks->rows, &key, HASH_FIND, NULL);

		return kt ? kt->tup : NULL;
	}
	ScanKeyInit(&skey, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(key));
	index_rescan(ks->scan, &skey, 1, NULL, 0);
	if (!index_getnext_slot(ks->scan, ForwardScanDirection, ks->slot))
		return NULL;
	return ExecFetchSlotHeapTuple(ks->slot, false, &should_free);
}

void
ApKeyScanClose(KeyScan *ks)
{
	if (!ks->open)
		return;
	if (ks->rows != NULL)
		MemoryContextDelete(ks->rows_cxt);
	else
	{
		index_endscan(ks->scan);
		ExecDropSingleTupleTableSlot(ks->slot);
		index_close(ks->index, AccessShareLock);
	}
	UnregisterSnapshot(ks->snapshot);
	table_close(ks->heap, AccessShareLock);
	ks->open = false;
}
