/*-------------------------------------------------------------------------
 *
 * keys.c
 *	  The application's own keys of orgs and resources (0.5.0).  A key is
 *	  stored as the canonical text of a value of the kind's configured type
 *	  (access_policy.key_types): what the type's output function prints, so
 *	  that 'A0EEBC99-...' and 'a0eebc99-...' are one uuid key and '007' and
 *	  7 one integer key.  A check takes a key of the configured type (or its
 *	  text) and identifies it at its call site by its bytes, with no
 *	  conversion per row; only a key the call site has not seen is turned
 *	  into canonical text and looked up (orgs.c, resources.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/uuid.h"

#include "catalog.h"
#include "keys.h"

static bool key_types_loaded = false;
static Oid	key_type[2];

static const char *const kind_names[2] = {"org", "resource"};

void
ApResetKeyTypes(void)
{
	key_types_loaded = false;
}

/* LoadKeyTypes reads access_policy.key_types (absent before 0.5.0). */
static void
LoadKeyTypes(void)
{
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;

	key_type[0] = key_type[1] = InvalidOid;
	if (OidIsValid(ApCatalog.key_types))
	{
		rel = table_open(ApCatalog.key_types, AccessShareLock);
		scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			bool		isnull;
			char	   *kind = TextDatumGetCString(heap_getattr(tup, ApCatalog.kt_kind_att,
																 RelationGetDescr(rel), &isnull));
			Oid			type = DatumGetObjectId(heap_getattr(tup, ApCatalog.kt_type_att,
															 RelationGetDescr(rel), &isnull));

			if (strcmp(kind, "org") == 0)
				key_type[AP_KEY_ORG] = type;
			else if (strcmp(kind, "resource") == 0)
				key_type[AP_KEY_RESOURCE] = type;
		}
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
	}
	key_types_loaded = true;
}

Oid
ApKeyType(ApKeyKind kind)
{
	if (!key_types_loaded)
		LoadKeyTypes();
	return key_type[kind];
}

static inline bool
IsTextType(Oid t)
{
	return t == TEXTOID || t == VARCHAROID;
}

static inline bool
IsIntegerType(Oid t)
{
	return t == INT2OID || t == INT4OID || t == INT8OID;
}

static inline int64
IntegerValue(Oid t, Datum d)
{
	if (t == INT2OID)
		return DatumGetInt16(d);
	if (t == INT4OID)
		return DatumGetInt32(d);
	return DatumGetInt64(d);
}

/* KeyTypeOf: the configured type, or an error naming how to configure it. */
static Oid
KeyTypeOf(ApKeyKind kind)
{
	Oid			t = ApKeyType(kind);

	if (!OidIsValid(t))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no %s key type is configured", kind_names[kind]),
				 errhint("Configure it once, as a superuser: SELECT access_policy.set_key_type('%s', 'uuid') (or text, integer, bigint).",
						 kind_names[kind])));
	return t;
}

static void
WrongType(ApKeyKind kind, Oid keytype, Oid argtype)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("%s keys are of type %s, not %s", kind_names[kind],
					format_type_be(keytype), format_type_be(argtype)),
			 errhint("Pass a value of type %s, or its text.", format_type_be(keytype))));
}

/* CheckArgType: may a value of argtype be a key of kind? */
static Oid
CheckArgType(ApKeyKind kind, Oid argtype)
{
	Oid			t = KeyTypeOf(kind);

	if (IsTextType(argtype))
		return t;
	if (argtype == UUIDOID && t == UUIDOID)
		return t;
	if (IsIntegerType(argtype) && (t == INT4OID || t == INT8OID))
		return t;
	WrongType(kind, t, argtype);
	return t;					/* not reached */
}

/*
 * ApKeyArgIsKeyType: is a value of argtype a key of kind as it is (its bytes
 * the bytes of the key's canonical value), rather than text to parse?
 */
bool
ApKeyArgIsKeyType(ApKeyKind kind, Oid argtype)
{
	Oid			t = ApKeyType(kind);

	if (t == UUIDOID)
		return argtype == UUIDOID;
	if (t == INT4OID || t == INT8OID)
		return IsIntegerType(argtype);
	if (t == TEXTOID)
		return IsTextType(argtype);
	return false;
}

void
ApKeyCheckType(ApKeyKind kind, Oid type)
{
	(void) CheckArgType(kind, type);
}

void
ApKeyBytes(ApKeyKind kind, Oid argtype, Datum value, int64 *buf,
		   const char **bytes, int *len)
{
	if (argtype == UUIDOID)
	{
		*bytes = (const char *) DatumGetUUIDP(value)->data;
		*len = UUID_LEN;
	}
	else if (IsIntegerType(argtype))
	{
		*buf = IntegerValue(argtype, value);
		*bytes = (const char *) buf;
		*len = sizeof(int64);
	}
	else if (IsTextType(argtype))
	{
		text	   *t = DatumGetTextPP(value);

		*bytes = VARDATA_ANY(t);
		*len = VARSIZE_ANY_EXHDR(t);
	}
	else
		WrongType(kind, KeyTypeOf(kind), argtype);
}

char *
ApKeyCanonical(ApKeyKind kind, Oid argtype, Datum value)
{
	Oid			t = CheckArgType(kind, argtype);

	if (IsTextType(argtype))
	{
		char	   *s = TextDatumGetCString(value);

		switch (t)
		{
			case UUIDOID:
				return DatumGetCString(DirectFunctionCall1(uuid_out, DirectFunctionCall1(uuid_in, CStringGetDatum(s))));
			case INT4OID:
				return DatumGetCString(DirectFunctionCall1(int4out, DirectFunctionCall1(int4in, CStringGetDatum(s))));
			case INT8OID:
				return DatumGetCString(DirectFunctionCall1(int8out, DirectFunctionCall1(int8in, CStringGetDatum(s))));
			default:
				return s;
		}
	}
	if (argtype == UUIDOID)
		return DatumGetCString(DirectFunctionCall1(uuid_out, value));
	else
	{
		int64		v = IntegerValue(argtype, value);

		if (t == INT4OID && (v < PG_INT32_MIN || v > PG_INT32_MAX))
			return NULL;
		return DatumGetCString(DirectFunctionCall1(int8out, Int64GetDatum(v)));
	}
}

Datum
ApKeyDatum(ApKeyKind kind, Oid elemtype, const char *canonical)
{
	switch (elemtype)
	{
		case UUIDOID:
			return DirectFunctionCall1(uuid_in, CStringGetDatum(canonical));
		case INT2OID:
			return DirectFunctionCall1(int2in, CStringGetDatum(canonical));
		case INT4OID:
			return DirectFunctionCall1(int4in, CStringGetDatum(canonical));
		case INT8OID:
			return DirectFunctionCall1(int8in, CStringGetDatum(canonical));
		default:
			return CStringGetTextDatum(canonical);
	}
}

Oid
ApKeyArgType(FunctionCallInfo fcinfo, int argno)
{
	Oid			t = get_fn_expr_argtype(fcinfo->flinfo, argno);

	if (!OidIsValid(t))
		ereport(ERROR,
				(errcode(ERRCODE_INDETERMINATE_DATATYPE),
				 errmsg("could not determine the type of the key argument")));
	return getBaseType(t);
}

/* KeyMap */

typedef struct KeyEntry
{
	uint64		hash;			/* hash key */
	int64		id;
	char	   *key;
} KeyEntry;

typedef struct IdEntry
{
	int64		id;				/* hash key */
	char	   *key;
} IdEntry;

static inline uint64
KeyHash(const char *key)
{
	return hash_bytes_extended((const unsigned char *) key, strlen(key), 0);
}

void
ApKeyMapInit(KeyMap *map, MemoryContext cxt)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(uint64);
	ctl.entrysize = sizeof(KeyEntry);
	ctl.hcxt = cxt;
	map->by_key = hash_create("access_policy keys", 64, &ctl, HASH_ELEM | HASH_CONTEXT | HASH_BLOBS);
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(IdEntry);
	map->by_id = hash_create("access_policy key ids", 64, &ctl, HASH_ELEM | HASH_CONTEXT | HASH_BLOBS);
}

/* ApKeyMapId: the id of a key read before (a hash collision is a miss). */
bool
ApKeyMapId(KeyMap *map, const char *key, int64 *id)
{
	uint64		h = KeyHash(key);
	KeyEntry   *e = hash_search(map->by_key, &h, HASH_FIND, NULL);

	if (e == NULL || strcmp(e->key, key) != 0)
		return false;
	*id = e->id;
	return true;
}

/* ApKeyMapKey: the key of an id read before (*key NULL: it has none). */
bool
ApKeyMapKey(KeyMap *map, int64 id, const char **key)
{
	IdEntry    *e = hash_search(map->by_id, &id, HASH_FIND, NULL);

	if (e == NULL)
		return false;
	*key = e->key;
	return true;
}

/* ApKeyMapPut remembers that id has key (NULL: none). */
void
ApKeyMapPut(KeyMap *map, MemoryContext cxt, int64 id, const char *key)
{
	bool		found;
	IdEntry    *ie = hash_search(map->by_id, &id, HASH_ENTER, &found);
	char	   *copy = key ? MemoryContextStrdup(cxt, key) : NULL;

	ie->key = copy;
	if (copy != NULL)
	{
		uint64		h = KeyHash(copy);
		KeyEntry   *ke = hash_search(map->by_key, &h, HASH_ENTER, &found);

		/* of two keys with one hash, the first stays */
		if (!found)
		{
			ke->id = id;
			ke->key = copy;
		}
	}
}

/*
 * ApKeyIndexLookup: the id (column idatt) of the row whose key column
 * (keyatt, text COLLATE "C", unique index indexid) holds the canonical key.
 */
bool
ApKeyIndexLookup(Oid heapid, Oid indexid, AttrNumber keyatt, AttrNumber idatt, const char *key, int64 *id)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData skey;
	HeapTuple	tup;
	bool		found = false;

	rel = table_open(heapid, AccessShareLock);
	ScanKeyInit(&skey, keyatt, BTEqualStrategyNumber, F_TEXTEQ, CStringGetTextDatum(key));
	scan = systable_beginscan(rel, indexid, true, NULL, 1, &skey);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;

		*id = DatumGetInt64(heap_getattr(tup, idatt, RelationGetDescr(rel), &isnull));
		found = true;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}
