/*-------------------------------------------------------------------------
 *
 * keys.h
 *	  The application's own keys of orgs and resources: the configured key
 *	  type of each kind, the canonical text of a key value, and the maps
 *	  between keys and ids a cache part keeps (keys.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef AP_KEYS_H
#define AP_KEYS_H

#include "access/attnum.h"
#include "fmgr.h"
#include "utils/hsearch.h"

typedef enum ApKeyKind
{
	AP_KEY_ORG = 0,
	AP_KEY_RESOURCE = 1
} ApKeyKind;

/* the configured type of a kind's keys (INT4OID, INT8OID, UUIDOID, TEXTOID), InvalidOid if none */
extern Oid	ApKeyType(ApKeyKind kind);
extern void ApResetKeyTypes(void);

/* ApKeyArgIsKeyType: a value of argtype is a key of kind as it is */
extern bool ApKeyArgIsKeyType(ApKeyKind kind, Oid argtype);

/* ApKeyCheckType: an error unless values of type can be keys of kind */
extern void ApKeyCheckType(ApKeyKind kind, Oid type);

/*
 * ApKeyBytes: the bytes that identify a key value of type argtype at a call
 * site (a uuid's 16 bytes, an integer as int64, a text's characters); buf
 * holds an integer.  An error for a type keys cannot have.
 */
extern void ApKeyBytes(ApKeyKind kind, Oid argtype, Datum value, int64 *buf,
					   const char **bytes, int *len);

/*
 * ApKeyCanonical: the canonical text of a key value of type argtype as the
 * configured type sees it (palloc'd); NULL when no key can have the value
 * (an integer out of the range of integer keys).  An error if no key type
 * is configured, the value's type is not the key type (or text), or a text
 * is no value of the key type.
 */
extern char *ApKeyCanonical(ApKeyKind kind, Oid argtype, Datum value);

/* ApKeyDatum: a canonical key as a Datum of the configured type (or text) */
extern Datum ApKeyDatum(ApKeyKind kind, Oid elemtype, const char *canonical);

/* the type of argument argno of a call, which must be known */
extern Oid	ApKeyArgType(FunctionCallInfo fcinfo, int argno);

/* ApKeyIndexLookup: the id of the row with this canonical key (one index probe) */
extern bool ApKeyIndexLookup(Oid heapid, Oid indexid, AttrNumber keyatt, AttrNumber idatt,
							 const char *key, int64 *id);

/*
 * KeyMap: keys and ids of one kind a cache part has read, both ways; kept
 * in the part's memory context and thrown away with it.
 */
typedef struct KeyMap
{
	HTAB	   *by_key;			/* 64-bit hash of the key -> id and key */
	HTAB	   *by_id;			/* id -> key (NULL: the row has none) */
} KeyMap;

extern void ApKeyMapInit(KeyMap *map, MemoryContext cxt);
extern bool ApKeyMapId(KeyMap *map, const char *key, int64 *id);
extern bool ApKeyMapKey(KeyMap *map, int64 id, const char **key);
extern void ApKeyMapPut(KeyMap *map, MemoryContext cxt, int64 id, const char *key);

#endif							/* AP_KEYS_H */
