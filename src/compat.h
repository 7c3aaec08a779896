/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  The differences between the PostgreSQL versions access_policy builds
 *	  against, in one place: the minimum version, and a macro for each
 *	  interface that changed since.  A file includes it where it uses one of
 *	  those interfaces.  (PG_MODULE_MAGIC_EXT, new in 18, stays where the
 *	  magic block must be: access_policy.c.)
 *
 * Minimum PostgreSQL version: 15.
 *
 *-------------------------------------------------------------------------
 */
#ifndef AP_COMPAT_H
#define AP_COMPAT_H

#if PG_VERSION_NUM < 150000
#error "access_policy requires PostgreSQL 15 or later"
#endif

/* VARDATA_ANY() and friends left postgres.h in 16 */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/* index_beginscan(): 18 takes an instrumentation struct (NULL: none) */
#if PG_VERSION_NUM >= 180000
#define index_beginscan_compat(heap, index, snapshot, nkeys, norderbys) \
	index_beginscan((heap), (index), (snapshot), NULL, (nkeys), (norderbys))
#else
#define index_beginscan_compat(heap, index, snapshot, nkeys, norderbys) \
	index_beginscan((heap), (index), (snapshot), (nkeys), (norderbys))
#endif

/*
 * The JSON parser's callbacks (common/jsonapi.h) return a JsonParseErrorType
 * since PostgreSQL 16, and since 17 makeJsonLexContextCstringLen() takes the
 * context to fill (NULL: allocate one).  Macros only: the files that use them
 * include common/jsonapi.h themselves.
 */
#if PG_VERSION_NUM >= 160000
#define AP_JSON_ACTION_RESULT	JsonParseErrorType
#define AP_JSON_ACTION_DONE		JSON_SUCCESS
#else
#define AP_JSON_ACTION_RESULT	void
#define AP_JSON_ACTION_DONE
#endif
#if PG_VERSION_NUM >= 170000
#define makeJsonLexContextCstringLen_compat(json, len, encoding, need_escapes) \
	makeJsonLexContextCstringLen(NULL, (json), (len), (encoding), (need_escapes))
#else
#define makeJsonLexContextCstringLen_compat(json, len, encoding, need_escapes) \
	makeJsonLexContextCstringLen((json), (len), (encoding), (need_escapes))
#endif

/*
 * The "extra" of a GUC check hook: malloc'd up to 15 (the GUC machinery
 * free()s it), from guc_malloc() since 16 (it pfree()s it).
 */
#if PG_VERSION_NUM >= 160000
#define ap_guc_malloc(size)	guc_malloc(LOG, (size))
#else
#define ap_guc_malloc(size)	malloc(size)
#endif

#endif							/* AP_COMPAT_H */
