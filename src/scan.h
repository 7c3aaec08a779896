/*-------------------------------------------------------------------------
 *
 * scan.h
 *	  Reading rows by a bigint key with one scan kept open across many
 *	  lookups (scan.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef AP_SCAN_H
#define AP_SCAN_H

#include "access/genam.h"
#include "executor/tuptable.h"
#include "utils/hsearch.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"

/* a table of at most this many blocks is read whole rather than probed */
#define AP_SMALL_TABLE_BLOCKS	8

/*
 * KeyScan: one index scan by a bigint key, kept open across many lookups (a
 * walk up a deep org chain, or down a subtree) with one fresh snapshot,
 * instead of opening the relations and starting a scan for every key.
 */
typedef struct KeyScan
{
	bool		open;
	Relation	heap;
	Relation	index;
	Snapshot	snapshot;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	HTAB	   *rows;			/* a small table read whole: key -> tuple */
	MemoryContext rows_cxt;		/* holds rows and its tuples */
} KeyScan;

extern void ApKeyScanOpen(KeyScan *ks, Oid heapid, Oid indexid, AttrNumber keyatt);
extern HeapTuple ApKeyScanFirst(KeyScan *ks, int64 key);
extern void ApKeyScanClose(KeyScan *ks);

#endif							/* AP_SCAN_H */
