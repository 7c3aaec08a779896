/*-------------------------------------------------------------------------
 *
 * check_keys.c
 *	  The checks and lists by the application's keys (0.5.0): can_key() and
 *	  its kin, the lists of keys, and the resolvers org_id() and
 *	  resource_id().  Like those by id (check.c) they never write and never
 *	  run SQL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "actions.h"
#include "cache.h"
#include "check.h"
#include "check_state.h"
#include "compat.h"
#include "derive.h"
#include "keys.h"
#include "orgs.h"
#include "resources.h"
#include "roles.h"
#include "user.h"

/*
 * Checks and lists by the application's keys (0.5.0).  A call site knows its
 * key argument's type; it answers a key it has seen from its table by the
 * key's bytes, and turns only a new key into canonical text to look it up
 * (keys.c).  After AP_SET_AFTER keys it did not keep, it answers from the set
 * of the keys of orgs_with(), as can() does from the set of its ids.
 */

/*
 * KeyHash: the hash of a key's bytes at a call site.  A uuid (16 bytes) and
 * an integer (8) are hashed inline, like an id; a text with hash_bytes().
 */
static inline uint32
KeyHash(const char *bytes, int len)
{
	if (len == 16)
	{
		uint64		a,
					b;

		memcpy(&a, bytes, 8);
		memcpy(&b, bytes + 8, 8);
		return HashKey((int64) (a ^ (b * UINT64CONST(0xC2B2AE3D27D4EB4F))));
	}
	if (len == 8)
	{
		int64		v;

		memcpy(&v, bytes, 8);
		return HashKey(v);
	}
	return hash_bytes((const unsigned char *) bytes, len);
}

static inline bool
SameKey(const KeyAnswer *a, const char *bytes, int len)
{
	if (a->len != len)
		return false;
	if (len == 16)
	{
		uint64		x[2],
					y[2];

		memcpy(x, a->k.data, 16);
		memcpy(y, bytes, 16);
		return x[0] == y[0] && x[1] == y[1];
	}
	if (len == 8)
	{
		uint64		x,
					y;

		memcpy(&x, a->k.data, 8);
		memcpy(&y, bytes, 8);
		return x == y;
	}
	return memcmp(len <= KEY_INLINE ? a->k.data : a->k.ext, bytes, len) == 0;
}

/* KeyAnswerFind: the slot of the key in table t (mask), or its empty slot. */
static inline KeyAnswer *
KeyAnswerFind(KeyAnswer *t, uint32 mask, uint32 hash, const char *bytes, int len)
{
	uint32		i = hash & mask;

	for (;;)
	{
		KeyAnswer  *a = &t[i];

		if (a->state == 0 || (a->hash == hash && SameKey(a, bytes, len)))
			return a;
		i = (i + 1) & mask;
	}
}

static void
KeyAnswerFill(FunctionCallInfo fcinfo, CheckState *st, KeyAnswer *a, uint32 hash, const char *bytes, int len,
			  bool result)
{
	a->hash = hash;
	a->len = len;
	if (len <= KEY_INLINE)
		memcpy(a->k.data, bytes, len);
	else
	{
		/* a context of their own, made on the first long key */
		if (st->kcxt == NULL)
			st->kcxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "access_policy key answers",
											 ALLOCSET_SMALL_SIZES);
		a->k.ext = MemoryContextAlloc(st->kcxt, len);
		memcpy(a->k.ext, bytes, len);
	}
	a->state = result ? 2 : 1;
}

/* KeyAnswerRemember stores an answer, growing the table up to its limit. */
static void
KeyAnswerRemember(FunctionCallInfo fcinfo, CheckState *st, uint32 hash, const char *bytes, int len,
				  bool result)
{
	KeyAnswer  *a;

	if (len > 0xFFFF)
		return;
	if (st->kmask == 0 || (st->nkanswers + 1) * 2 > st->kmask + 1)
	{
		uint32		newsize = st->kmask == 0 ? AP_KEY_ANSWERS_MIN : (st->kmask + 1) * 2;
		KeyAnswer  *old = st->kanswers;
		uint32		oldsize = st->kmask == 0 ? 0 : st->kmask + 1;

		if (newsize > AP_ANSWERS_MAX)
		{
			st->koverflow++;
			return;
		}
		st->kanswers = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(KeyAnswer) * newsize);
		st->kmask = newsize - 1;
		for (uint32 i = 0; i < oldsize; i++)
			if (old[i].state != 0)
			{
				const char *ob = old[i].len <= KEY_INLINE ? old[i].k.data : old[i].k.ext;

				*KeyAnswerFind(st->kanswers, st->kmask, old[i].hash, ob, old[i].len) = old[i];
			}
		if (old)
			pfree(old);
	}
	a = KeyAnswerFind(st->kanswers, st->kmask, hash, bytes, len);
	if (a->state == 0)
	{
		st->nkanswers++;
		KeyAnswerFill(fcinfo, st, a, hash, bytes, len, result);
	}
}

/*
 * KeyAnswerKnown: the answer the call site gave for these key bytes before
 * (*result), if it has one.
 */
static inline bool
KeyAnswerKnown(CheckState *st, uint32 h, const char *bytes, int len, bool *result)
{
	KeyAnswer  *a;

	if (st->kmask == 0)
		return false;
	a = KeyAnswerFind(st->kanswers, st->kmask, h, bytes, len);
	if (a->state == 0)
		return false;
	*result = a->state == 2;
	return true;
}

/* KeyStateFor: StateFor() of a check by key, with the key's type known. */
static inline CheckState *
KeyStateFor(FunctionCallInfo fcinfo, int nameargno, bool resolve)
{
	CheckState *st = ApCheckStateFor(fcinfo, nameargno, resolve);

	if (unlikely(st->key_argtype == InvalidOid))
		st->key_argtype = ApKeyArgType(fcinfo, 0);
	return st;
}

/*
 * BuildKeySet fills the call site's set of keys from the orgs of orgs_with()
 * of its permission, as bytes of the argument's type.  Only where the bytes
 * of a key are the bytes of its canonical form: a text argument of uuid or
 * integer keys (spelled in more than one way) keeps looking keys up.
 */
static void
BuildKeySet(FunctionCallInfo fcinfo, CheckState *st)
{
	ArrayType  *a = ApOrgsWithArray(st->perm_index);
	int			n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	const char **keys = palloc(sizeof(char *) * Max(n, 1));
	Oid			argtype = st->key_argtype;
	Size		slots = 16;

	ApOrgKeys((const int64 *) ARR_DATA_PTR(a), n, keys);
	while (slots < (Size) n * 2)
		slots *= 2;
	st->kset = MemoryContextAllocHuge(fcinfo->flinfo->fn_mcxt, sizeof(KeyAnswer) * slots);
	memset(st->kset, 0, sizeof(KeyAnswer) * slots);
	st->kset_mask = (uint32) (slots - 1);
	for (int k = 0; k < n; k++)
	{
		Datum		d;
		int64		buf;
		const char *bytes;
		int			len;
		uint32		h;
		KeyAnswer  *slot;

		if (keys[k] == NULL)
			continue;
		d = ApKeyDatum(AP_KEY_ORG, argtype == INT2OID || argtype == INT4OID ? INT8OID : argtype, keys[k]);
		ApKeyBytes(AP_KEY_ORG, argtype == INT2OID || argtype == INT4OID ? INT8OID : argtype, d, &buf, &bytes, &len);
		h = KeyHash(bytes, len);
		slot = KeyAnswerFind(st->kset, st->kset_mask, h, bytes, len);
		if (slot->state == 0)
			KeyAnswerFill(fcinfo, st, slot, h, bytes, len, true);
	}
	pfree(keys);
	elog(DEBUG1, "access_policy: a call site of can_key() answers from the keys of the %d orgs of orgs_with() from now on", n);
}

/*
 * OrgOfKey: the org id of a key argument, false if no org has it.  A key of
 * the configured type itself is first looked up by its bytes (no canonical
 * text made: ApOrgIdByKeyBytes); its text is looked up by canonical text.
 */
static bool
OrgOfKey(Oid argtype, Datum value, int64 *org)
{
	char	   *canon;
	bool		found;
	bool		by_bytes = ApKeyArgIsKeyType(AP_KEY_ORG, argtype);
	int64		buf;
	const char *bytes = NULL;
	int			len = 0;

	if (by_bytes)
	{
		ApKeyBytes(AP_KEY_ORG, argtype, value, &buf, &bytes, &len);
		if (ApOrgIdByKeyBytes(bytes, len, org))
			return true;
	}
	canon = ApKeyCanonical(AP_KEY_ORG, argtype, value);
	if (canon == NULL)
		return false;
	found = ApOrgIdByKey(canon, org);
	pfree(canon);
	if (found && by_bytes)
		ApOrgRememberKeyBytes(bytes, len, *org);
	return found;
}

/* ResOfKey: the resource id of a key argument, false if none has it. */
static bool
ResOfKey(Oid argtype, Datum value, int64 *res)
{
	char	   *canon = ApKeyCanonical(AP_KEY_RESOURCE, argtype, value);
	bool		found;

	if (canon == NULL)
		return false;
	found = ApResIdByKey(canon, res);
	pfree(canon);
	return found;
}

PG_FUNCTION_INFO_V1(can_key);

/* can_key(org_key, permission): can() of the org with this key. */
Datum
can_key(PG_FUNCTION_ARGS)
{
	CheckState *st;
	int64		buf;
	const char *bytes;
	int			len;
	uint32		h;
	int64		org;
	bool		result = false;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);
	ApBeginCheckFast();
	st = KeyStateFor(fcinfo, 1, true);
	ApKeyBytes(AP_KEY_ORG, st->key_argtype, PG_GETARG_DATUM(0), &buf, &bytes, &len);
	h = KeyHash(bytes, len);
	if (likely(KeyAnswerKnown(st, h, bytes, len, &result)))
		PG_RETURN_BOOL(result);
	if (unlikely(st->kset != NULL))
		PG_RETURN_BOOL(KeyAnswerFind(st->kset, st->kset_mask, h, bytes, len)->state == 2);

	if (OrgOfKey(st->key_argtype, PG_GETARG_DATUM(0), &org))
		result = ApHaveUser() && bms_is_member(st->perm_index, ApOrgPermissions(org));
	KeyAnswerRemember(fcinfo, st, h, bytes, len, result);
	if (unlikely(st->koverflow > AP_SET_AFTER) && ApHaveUser() &&
		(!(st->key_argtype == TEXTOID || st->key_argtype == VARCHAROID) || ApKeyType(AP_KEY_ORG) == TEXTOID))
		BuildKeySet(fcinfo, st);
	PG_RETURN_BOOL(result);
}

PG_FUNCTION_INFO_V1(can_resource_key);

/* can_resource_key(resource_key, permission): can_resource() by key. */
Datum
can_resource_key(PG_FUNCTION_ARGS)
{
	CheckState *st;
	int64		buf;
	const char *bytes;
	int			len;
	uint32		h;
	int64		res;
	int64		org;
	bool		result = false;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);
	ApBeginCheckFast();
	st = KeyStateFor(fcinfo, 1, true);
	ApKeyBytes(AP_KEY_RESOURCE, st->key_argtype, PG_GETARG_DATUM(0), &buf, &bytes, &len);
	h = KeyHash(bytes, len);
	if (likely(KeyAnswerKnown(st, h, bytes, len, &result)))
		PG_RETURN_BOOL(result);
	if (ResOfKey(st->key_argtype, PG_GETARG_DATUM(0), &res))
		result = ApHaveUser() && bms_is_member(st->perm_index, ApResourcePermissions(res, &org));
	KeyAnswerRemember(fcinfo, st, h, bytes, len, result);
	PG_RETURN_BOOL(result);
}

PG_FUNCTION_INFO_V1(can_action_key);

/* can_action_key(resource_key, action): can_action() by key. */
Datum
can_action_key(PG_FUNCTION_ARGS)
{
	CheckState *st;
	int64		buf;
	const char *bytes;
	int			len;
	uint32		h;
	int64		res;
	int64		org;
	bool		result = false;
	char	   *action;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);
	ApBeginCheckFast();
	st = KeyStateFor(fcinfo, 1, false);
	ApKeyBytes(AP_KEY_RESOURCE, st->key_argtype, PG_GETARG_DATUM(0), &buf, &bytes, &len);
	h = KeyHash(bytes, len);
	if (likely(KeyAnswerKnown(st, h, bytes, len, &result)))
		PG_RETURN_BOOL(result);
	action = text_to_cstring(st->name);
	/* an unknown action is an error, as by id, whatever the key */
	ApCheckActionKnown(action);
	if (ResOfKey(st->key_argtype, PG_GETARG_DATUM(0), &res) && ApHaveUser())
	{
		const Bitmapset *needed = ApActionPermissions(res, action);

		result = needed != NULL && bms_is_subset(needed, ApResourcePermissions(res, &org));
	}
	pfree(action);
	KeyAnswerRemember(fcinfo, st, h, bytes, len, result);
	PG_RETURN_BOOL(result);
}

PG_FUNCTION_INFO_V1(can_row_key);

/*
 * can_row_key(org_key, resource_key, permission): can_row() by keys.  A row
 * naming a resource of another org is denied.
 */
Datum
can_row_key(PG_FUNCTION_ARGS)
{
	CheckState *st;
	Oid			restype;
	int64		org;
	int64		res;
	int64		res_org;
	const Bitmapset *perms;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(2))
		PG_RETURN_BOOL(false);
	ApBeginCheckFast();
	st = KeyStateFor(fcinfo, 2, true);
	if (!OrgOfKey(st->key_argtype, PG_GETARG_DATUM(0), &org))
		PG_RETURN_BOOL(false);
	if (PG_ARGISNULL(1))
		PG_RETURN_BOOL(ApHaveUser() && bms_is_member(st->perm_index, ApOrgPermissions(org)));
	restype = ApKeyArgType(fcinfo, 1);
	if (!ResOfKey(restype, PG_GETARG_DATUM(1), &res) || !ApHaveUser())
		PG_RETURN_BOOL(false);
	perms = ApResourcePermissions(res, &res_org);
	PG_RETURN_BOOL(res_org == org && bms_is_member(st->perm_index, perms));
}

/* KeyArray: an array of elemtype of the canonical keys (NULLs left out). */
static ArrayType *
KeyArray(ApKeyKind kind, Oid elemtype, const char **keys, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	int			m = 0;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	for (int i = 0; i < n; i++)
		if (keys[i] != NULL)
			elems[m++] = ApKeyDatum(kind, elemtype, keys[i]);
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	return construct_array(elems, m, elemtype, typlen, typbyval, typalign);
}

/*
 * ListElemType: the element type of a list by key (its polymorphic result),
 * which must be able to hold keys of kind.
 */
static Oid
ListElemType(FunctionCallInfo fcinfo, ApKeyKind kind)
{
	Oid			rettype = get_fn_expr_rettype(fcinfo->flinfo);
	Oid			elemtype = OidIsValid(rettype) ? get_element_type(rettype) : InvalidOid;

	if (!OidIsValid(elemtype))
		ereport(ERROR,
				(errcode(ERRCODE_INDETERMINATE_DATATYPE),
				 errmsg("could not determine the type of the keys to return")));
	return getBaseType(elemtype);
}

PG_FUNCTION_INFO_V1(org_keys_with);

/*
 * org_keys_with(permission, key_type): the keys of the orgs of orgs_with(),
 * as an array of key_type's type; remembered per call site like orgs_with().
 */
Datum
org_keys_with(PG_FUNCTION_ARGS)
{
	Oid			elemtype = ListElemType(fcinfo, AP_KEY_ORG);
	text	   *name;
	ArrayType  *ids;
	ArrayType  *result;
	const char **keys;
	int			n;

	if (PG_ARGISNULL(0))
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(elemtype));
	ApBeginCheck();
	ApKeyCheckType(AP_KEY_ORG, elemtype);
	name = PG_GETARG_TEXT_PP(0);
	result = ApListRemembered(fcinfo, name);
	if (result != NULL)
		PG_RETURN_ARRAYTYPE_P(result);

	ids = ApOrgsWithArray(ApPermissionIndex(text_to_cstring(name), false));
	n = ArrayGetNItems(ARR_NDIM(ids), ARR_DIMS(ids));
	keys = palloc(sizeof(char *) * Max(n, 1));
	ApOrgKeys((const int64 *) ARR_DATA_PTR(ids), n, keys);
	result = KeyArray(AP_KEY_ORG, elemtype, keys, n);

	PG_RETURN_ARRAYTYPE_P(ApListRemember(fcinfo, name, result));
}

/* ResourceKeysList: resource_keys_with() and resource_keys_allowing(). */
static Datum
ResourceKeysList(FunctionCallInfo fcinfo, bool by_action)
{
	Oid			elemtype = ListElemType(fcinfo, AP_KEY_RESOURCE);
	int64		root;
	int64	   *ids;
	int			n;
	const char **keys;
	char	   *name;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(elemtype));
	ApBeginCheck();
	ApKeyCheckType(AP_KEY_RESOURCE, elemtype);
	name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (!ResOfKey(ApKeyArgType(fcinfo, 0), PG_GETARG_DATUM(0), &root))
	{
		/* an unknown name is an error even so */
		if (by_action)
			ApCheckActionKnown(name);
		else
			(void) ApPermissionIndex(name, false);
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(elemtype));
	}
	if (by_action)
		ids = ApListResources(root, -1, name, &n);
	else
		ids = ApListResources(root, ApPermissionIndex(name, false), NULL, &n);
	keys = palloc(sizeof(char *) * Max(n, 1));
	ApResKeys(ids, n, keys);
	PG_RETURN_ARRAYTYPE_P(KeyArray(AP_KEY_RESOURCE, elemtype, keys, n));
}

PG_FUNCTION_INFO_V1(resource_keys_with);

/* resource_keys_with(root_key, permission) */
Datum
resource_keys_with(PG_FUNCTION_ARGS)
{
	return ResourceKeysList(fcinfo, false);
}

PG_FUNCTION_INFO_V1(resource_keys_allowing);

/* resource_keys_allowing(root_key, action) */
Datum
resource_keys_allowing(PG_FUNCTION_ARGS)
{
	return ResourceKeysList(fcinfo, true);
}

/* KeyText: a key argument as text, for a message */
static char *
KeyText(Oid argtype, Datum value)
{
	Oid			out;
	bool		isvarlena;

	getTypeOutputInfo(argtype, &out, &isvarlena);
	return OidOutputFunctionCall(out, value);
}

PG_FUNCTION_INFO_V1(org_id_by_key);

/* org_id(key): the id of the org with this key, an error if none. */
Datum
org_id_by_key(PG_FUNCTION_ARGS)
{
	Oid			argtype = ApKeyArgType(fcinfo, 0);
	int64		org;

	ApBeginCheck();
	if (!OrgOfKey(argtype, PG_GETARG_DATUM(0), &org))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("org with key \"%s\" does not exist",
						KeyText(argtype, PG_GETARG_DATUM(0)))));
	PG_RETURN_INT64(org);
}

PG_FUNCTION_INFO_V1(resource_id_by_key);

/* resource_id(key): the id of the resource with this key, an error if none. */
Datum
resource_id_by_key(PG_FUNCTION_ARGS)
{
	Oid			argtype = ApKeyArgType(fcinfo, 0);
	int64		res;

	ApBeginCheck();
	if (!ResOfKey(argtype, PG_GETARG_DATUM(0), &res))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("resource with key \"%s\" does not exist",
						KeyText(argtype, PG_GETARG_DATUM(0)))));
	PG_RETURN_INT64(res);
}

PG_FUNCTION_INFO_V1(canonical_key);

/* _canonical_key(kind, key): for the key_guard trigger. */
Datum
canonical_key(PG_FUNCTION_ARGS)
{
	char	   *kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *canon;

	ApBeginCheck();
	if (strcmp(kind, "org") == 0)
		canon = ApKeyCanonical(AP_KEY_ORG, TEXTOID, PG_GETARG_DATUM(1));
	else if (strcmp(kind, "resource") == 0)
		canon = ApKeyCanonical(AP_KEY_RESOURCE, TEXTOID, PG_GETARG_DATUM(1));
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid key kind \"%s\"", kind)));
	PG_RETURN_TEXT_P(cstring_to_text(canon));
}
