/*-------------------------------------------------------------------------
 *
 * check.c
 *	  The SQL-callable checks and lists, and who they act for.  They never
 *	  write, never run SQL and are safe in parallel workers and on a hot
 *	  standby.  NULLs and unknown ids answer false (or an empty list); an
 *	  unregistered permission name is an error, since it is almost always a
 *	  typo.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "common/hashfn.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "actions.h"
#include "cache.h"
#include "cache_state.h"
#include "check.h"
#include "compat.h"
#include "derive.h"
#include "keys.h"
#include "orgs.h"
#include "resources.h"
#include "roles.h"
#include "user.h"

/*
 * Answers already given at this call site, by key (org or resource id): an
 * open-addressing table that grows to AP_ANSWERS_MAX slots and then stops
 * taking new keys.  A policy scanning a big table asks about the same few
 * thousand orgs over and over; this makes a repeated answer a probe.
 */
#define AP_ANSWERS_MIN	256
#define AP_ANSWERS_MAX	65536

typedef struct Answer
{
	int64		key;
	uint8		state;			/* 0 empty, 1 false, 2 true */
} Answer;

/*
 * Answers given at a call site of a check by key, by the key's bytes (a
 * uuid's 16, an integer's 8, a text's characters): the same table as
 * Answer, with the bytes compared.
 */
#define KEY_INLINE	16
#define AP_KEY_ANSWERS_MIN	64

typedef struct KeyAnswer
{
	uint32		hash;
	uint8		state;			/* 0 empty, 1 false, 2 true */
	uint16		len;
	union
	{
		char		data[KEY_INLINE];	/* the bytes, if len <= KEY_INLINE */
		char	   *ext;		/* else a copy */
	}			k;
} KeyAnswer;

/*
 * Per call site state kept in fn_extra: the resolved name argument and the
 * answers given, valid while the cache generation is unchanged.
 */
typedef struct CheckState
{
	uint64		generation;
	text	   *name;			/* copy of the last name argument */
	Datum		name_datum;		/* the argument itself, when it is a constant */
	bool		name_is_const;
	int			perm_index;
	bool		have_last;
	int64		last_key;
	int64		last_key2;
	bool		last_result;
	Answer	   *answers;
	uint32		nanswers;
	uint32		mask;			/* slots - 1, 0 while there is no table */
	uint32		overflow;		/* answers not kept: the table was full */
	/* the orgs where the user holds the permission, once overflow is large */
	int64	   *set;
	uint32		set_mask;		/* slots - 1 */
	bool		set_has_empty;	/* the set holds AP_SET_EMPTY itself */
	/* call sites of the checks by key (can_key(), ...): answers by key bytes */
	Oid			key_argtype;	/* the key argument's type, once known */
	KeyAnswer  *kanswers;
	uint32		nkanswers;
	uint32		kmask;			/* slots - 1, 0 while there is no table */
	uint32		koverflow;
	MemoryContext kcxt;			/* keys longer than KEY_INLINE bytes */
	/* the keys of the orgs where the user holds the permission */
	KeyAnswer  *kset;
	uint32		kset_mask;
} CheckState;

/*
 * A call site of can() that has asked about more distinct orgs than its
 * answer table keeps (a policy scanning a table of rows in many orgs) builds
 * the set of orgs where the user holds the permission once (orgs_with, what
 * the user sees) and answers every further row with one probe, instead of
 * deriving each org and growing the memo with the world.  Same answers:
 * can(org, p) is true exactly for the orgs of orgs_with(p).
 */
#define AP_SET_AFTER	AP_ANSWERS_MAX
#define AP_SET_EMPTY	PG_INT64_MIN

static inline uint32
HashKey(int64 key)
{
	uint64		h = (uint64) key * UINT64CONST(0x9E3779B97F4A7C15);

	return (uint32) (h >> 32);
}

/* AnswerFind: the slot of key, or the empty slot where it would go. */
static inline Answer *
AnswerFind(CheckState *st, int64 key)
{
	uint32		i = HashKey(key) & st->mask;

	for (;;)
	{
		Answer	   *a = &st->answers[i];

		if (a->state == 0 || a->key == key)
			return a;
		i = (i + 1) & st->mask;
	}
}

/* AnswerRemember stores an answer, growing the table up to its limit. */
static void
AnswerRemember(FunctionCallInfo fcinfo, CheckState *st, int64 key, bool result)
{
	Answer	   *a;

	if (st->mask == 0 || (st->nanswers + 1) * 2 > st->mask + 1)
	{
		uint32		newsize = st->mask == 0 ? AP_ANSWERS_MIN : (st->mask + 1) * 2;
		Answer	   *old = st->answers;
		uint32		oldsize = st->mask == 0 ? 0 : st->mask + 1;
		uint32		i;

		if (newsize > AP_ANSWERS_MAX)
		{
			/* full: answers beyond it are not kept */
			st->overflow++;
			return;
		}
		st->answers = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(Answer) * newsize);
		st->mask = newsize - 1;
		for (i = 0; i < oldsize; i++)
			if (old[i].state != 0)
				*AnswerFind(st, old[i].key) = old[i];
		if (old)
			pfree(old);
	}
	a = AnswerFind(st, key);
	if (a->state == 0)
		st->nanswers++;
	a->key = key;
	a->state = result ? 2 : 1;
}

/* SetContains: is key in the call site's set? */
static inline bool
SetContains(CheckState *st, int64 key)
{
	uint32		i;

	if (unlikely(key == AP_SET_EMPTY))
		return st->set_has_empty;
	for (i = HashKey(key) & st->set_mask;; i = (i + 1) & st->set_mask)
	{
		if (st->set[i] == key)
			return true;
		if (st->set[i] == AP_SET_EMPTY)
			return false;
	}
}

/*
 * BuildSet fills the call site's set from orgs_with() of its permission, at
 * most half full.
 */
static void
BuildSet(FunctionCallInfo fcinfo, CheckState *st)
{
	ArrayType  *a = ApOrgsWithArray(st->perm_index);
	int			n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	const int64 *ids = (const int64 *) ARR_DATA_PTR(a);
	Size		slots = 16;
	int			k;

	while (slots < (Size) n * 2)
		slots *= 2;
	st->set = MemoryContextAllocHuge(fcinfo->flinfo->fn_mcxt, sizeof(int64) * slots);
	for (Size i = 0; i < slots; i++)
		st->set[i] = AP_SET_EMPTY;
	st->set_mask = (uint32) (slots - 1);
	st->set_has_empty = false;
	for (k = 0; k < n; k++)
	{
		uint32		i;

		if (ids[k] == AP_SET_EMPTY)
		{
			st->set_has_empty = true;
			continue;
		}
		for (i = HashKey(ids[k]) & st->set_mask; st->set[i] != AP_SET_EMPTY; i = (i + 1) & st->set_mask)
			;
		st->set[i] = ids[k];
	}
	elog(DEBUG1, "access_policy: a call site of can() answers from the %d orgs of orgs_with() from now on", n);
}

static CheckState *
GetState(FunctionCallInfo fcinfo)
{
	CheckState *st = (CheckState *) fcinfo->flinfo->fn_extra;

	if (st == NULL)
	{
		st = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CheckState));
		fcinfo->flinfo->fn_extra = st;
	}
	return st;
}

static inline bool
SameText(text *a, text *b)
{
	return a != NULL && VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}

/*
 * StateFor refreshes the call site state for this name argument and cache
 * generation; resolve says whether the name is a permission to look up.
 */
static CheckState *
StateFor(FunctionCallInfo fcinfo, int argno, bool resolve)
{
	CheckState *st = GetState(fcinfo);
	uint64		gen = ApCacheGeneration();
	text	   *name;

	/* a constant argument (the policy's permission) needs no comparison */
	if (likely(st->generation == gen && st->name_is_const &&
			   st->name_datum == PG_GETARG_DATUM(argno)))
		return st;
	name = PG_GETARG_TEXT_PP(argno);
	if (st->generation != gen || !SameText(st->name, name))
	{
		int			idx = -1;

		if (resolve)
		{
			char	   *s = text_to_cstring(name);

			idx = ApPermissionIndex(s, false);
			pfree(s);
		}
		if (st->name)
			pfree(st->name);
		st->name = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE_ANY(name));
		memcpy(st->name, name, VARSIZE_ANY(name));
		st->perm_index = idx;
		st->generation = gen;
		st->have_last = false;
		if (st->mask != 0)
			memset(st->answers, 0, sizeof(Answer) * (st->mask + 1));
		st->nanswers = 0;
		st->overflow = 0;
		if (st->set)
			pfree(st->set);
		st->set = NULL;
		if (st->kmask != 0)
			memset(st->kanswers, 0, sizeof(KeyAnswer) * (st->kmask + 1));
		st->nkanswers = 0;
		st->koverflow = 0;
		if (st->kcxt)
			MemoryContextReset(st->kcxt);
		if (st->kset)
			pfree(st->kset);
		st->kset = NULL;
		st->name_is_const = get_fn_expr_arg_stable(fcinfo->flinfo, argno);
		st->name_datum = PG_GETARG_DATUM(argno);
	}
	return st;
}

PG_FUNCTION_INFO_V1(can);

/* can(org_id, permission): does the acting user hold permission at the org? */
Datum
can(PG_FUNCTION_ARGS)
{
	int64		org;
	CheckState *st;
	bool		result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);
	org = PG_GETARG_INT64(0);
	ApBeginCheckFast();
	st = StateFor(fcinfo, 1, true);
	if (likely(st->mask != 0))
	{
		Answer	   *a = AnswerFind(st, org);

		if (a->state != 0)
			PG_RETURN_BOOL(a->state == 2);
	}
	if (unlikely(st->set != NULL))
		PG_RETURN_BOOL(SetContains(st, org));

	result = ApHaveUser() && bms_is_member(st->perm_index, ApOrgPermissions(org));
	AnswerRemember(fcinfo, st, org, result);
	if (unlikely(st->overflow > AP_SET_AFTER) && ApHaveUser())
		BuildSet(fcinfo, st);
	PG_RETURN_BOOL(result);
}

PG_FUNCTION_INFO_V1(can_resource);

/* can_resource(resource_id, permission): on the resource, via org or grant. */
Datum
can_resource(PG_FUNCTION_ARGS)
{
	int64		res;
	int64		org;
	CheckState *st;
	bool		result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);
	res = PG_GETARG_INT64(0);
	ApBeginCheckFast();
	st = StateFor(fcinfo, 1, true);
	if (likely(st->mask != 0))
	{
		Answer	   *a = AnswerFind(st, res);

		if (a->state != 0)
			PG_RETURN_BOOL(a->state == 2);
	}

	result = ApHaveUser() && bms_is_member(st->perm_index, ApResourcePermissions(res, &org));
	AnswerRemember(fcinfo, st, res, result);
	PG_RETURN_BOOL(result);
}

PG_FUNCTION_INFO_V1(can_action);

/* can_action(resource_id, action): every permission the kind requires. */
Datum
can_action(PG_FUNCTION_ARGS)
{
	int64		res;
	int64		org;
	CheckState *st;
	bool		result = false;
	char	   *action;
	const Bitmapset *needed;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);
	res = PG_GETARG_INT64(0);
	ApBeginCheckFast();
	st = StateFor(fcinfo, 1, false);
	if (st->have_last && st->last_key == res)
		PG_RETURN_BOOL(st->last_result);

	action = text_to_cstring(st->name);
	needed = ApActionPermissions(res, action);
	if (needed != NULL && ApHaveUser())
		result = bms_is_subset(needed, ApResourcePermissions(res, &org));
	pfree(action);
	st->have_last = true;
	st->last_key = res;
	st->last_result = result;
	PG_RETURN_BOOL(result);
}

PG_FUNCTION_INFO_V1(can_row);

/*
 * can_row(org_id, resource_id, permission): the row check of a table with an
 * org and an optional resource column.  A row naming a resource of another
 * org is denied.
 */
Datum
can_row(PG_FUNCTION_ARGS)
{
	int64		org;
	int64		res;
	int64		res_org;
	CheckState *st;
	bool		result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(2))
		PG_RETURN_BOOL(false);
	org = PG_GETARG_INT64(0);
	ApBeginCheckFast();
	st = StateFor(fcinfo, 2, true);
	if (PG_ARGISNULL(1))
		PG_RETURN_BOOL(ApHaveUser() && bms_is_member(st->perm_index, ApOrgPermissions(org)));

	res = PG_GETARG_INT64(1);
	if (st->have_last && st->last_key == org && st->last_key2 == res)
		PG_RETURN_BOOL(st->last_result);
	result = false;
	if (ApHaveUser())
	{
		const Bitmapset *perms = ApResourcePermissions(res, &res_org);

		result = res_org == org && bms_is_member(st->perm_index, perms);
	}
	st->have_last = true;
	st->last_key = org;
	st->last_key2 = res;
	st->last_result = result;
	PG_RETURN_BOOL(result);
}

/*
 * sort_ids: an int64 quicksort specialized by PostgreSQL's sort template (the
 * comparison inlined: about three times faster than qsort() with a
 * comparator function on the 100,000 ids of a big list).
 */
#define ST_SORT sort_ids
#define ST_ELEMENT_TYPE int64
#define ST_COMPARE(a, b) ((*(a) > *(b)) - (*(a) < *(b)))
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/* SortedIdArray: bigint[] of the ids, sorted and without duplicates. */
static ArrayType *
SortedIdArray(int64 *ids, int n)
{
	Datum	   *elems;
	int			i;
	int			m = 0;

	if (n == 0 || ids == NULL)
		return construct_empty_array(INT8OID);
	sort_ids(ids, n);
	elems = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
		if (i == 0 || ids[i] != ids[i - 1])
			elems[m++] = Int64GetDatum(ids[i]);
	return construct_array(elems, m, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/*
 * ApOrgsWithArray: orgs_with() of a permission index as a sorted bigint[],
 * built once per cache generation and permission and kept (the planner's
 * estimate, the index condition and the listing functions of one statement
 * all ask for the same list).  The result must not be modified; it lives
 * until the generation changes.
 */
static uint64 owa_generation = 0;
static int	owa_perm = -1;
static ArrayType *owa_array = NULL;

ArrayType *
ApOrgsWithArray(int perm_index)
{
	int			n;
	int64	   *ids;
	ArrayType  *a;

	if (owa_array != NULL && owa_generation == ApCacheGeneration() && owa_perm == perm_index)
		return owa_array;
	ids = ApOrgsWithPermission(perm_index, &n);
	a = SortedIdArray(ids, n);
	if (owa_array != NULL)
		pfree(owa_array);
	owa_array = MemoryContextAlloc(TopMemoryContext, VARSIZE(a));
	memcpy(owa_array, a, VARSIZE(a));
	owa_generation = ApCacheGeneration();
	owa_perm = perm_index;
	return owa_array;
}

/*
 * The last list a call site built, valid while the cache generation and the
 * permission argument are unchanged: an index condition
 * org = ANY (orgs_with(p)) may be evaluated again for every rescan.
 */
typedef struct ListState
{
	uint64		generation;
	text	   *name;
	ArrayType  *result;
} ListState;

PG_FUNCTION_INFO_V1(orgs_with);

/*
 * orgs_with(permission): sorted ids of the orgs where the user holds it.  The
 * array returned may be the call site's remembered one: callers never modify
 * a function's result in place.
 */
Datum
orgs_with(PG_FUNCTION_ARGS)
{
	int			idx;
	char	   *perm;
	text	   *name;
	ListState  *st;
	ArrayType  *result;

	if (PG_ARGISNULL(0))
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(INT8OID));
	ApBeginCheck();
	name = PG_GETARG_TEXT_PP(0);
	st = (ListState *) fcinfo->flinfo->fn_extra;
	if (st != NULL && st->generation == ApCacheGeneration() && SameText(st->name, name))
		PG_RETURN_ARRAYTYPE_P(st->result);

	perm = text_to_cstring(name);
	idx = ApPermissionIndex(perm, false);
	result = ApOrgsWithArray(idx);

	if (st == NULL)
	{
		st = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ListState));
		fcinfo->flinfo->fn_extra = st;
	}
	/* an earlier result is not freed: its caller may still hold it */
	if (st->name)
		pfree(st->name);
	st->name = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE_ANY(name));
	memcpy(st->name, name, VARSIZE_ANY(name));
	st->result = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE(result));
	memcpy(st->result, result, VARSIZE(result));
	st->generation = ApCacheGeneration();
	PG_RETURN_ARRAYTYPE_P(st->result);
}

PG_FUNCTION_INFO_V1(resources_with);

/* resources_with(root_id, permission): the resources at or below root. */
Datum
resources_with(PG_FUNCTION_ARGS)
{
	int			idx;
	int			n;
	int64	   *ids;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(INT8OID));
	ApBeginCheck();
	idx = ApPermissionIndex(text_to_cstring(PG_GETARG_TEXT_PP(1)), false);
	ids = ApListResources(PG_GETARG_INT64(0), idx, NULL, &n);
	PG_RETURN_ARRAYTYPE_P(SortedIdArray(ids, n));
}

PG_FUNCTION_INFO_V1(resources_allowing);

/* resources_allowing(root_id, action): where the user may do the action. */
Datum
resources_allowing(PG_FUNCTION_ARGS)
{
	int			n;
	int64	   *ids;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(INT8OID));
	ApBeginCheck();
	ids = ApListResources(PG_GETARG_INT64(0), -1, text_to_cstring(PG_GETARG_TEXT_PP(1)), &n);
	PG_RETURN_ARRAYTYPE_P(SortedIdArray(ids, n));
}

PG_FUNCTION_INFO_V1(org_is_descendant);

/* org_is_descendant(org, ancestor): for the cycle check, latest data. */
Datum
org_is_descendant(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);
	ApBeginCheck();
	PG_RETURN_BOOL(ApOrgIsDescendantLatest(PG_GETARG_INT64(0), PG_GETARG_INT64(1)));
}

PG_FUNCTION_INFO_V1(cache_stats);

/* cache_stats(): memory and entry counts of this backend's cache. */
Datum
cache_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7] = {0};
	int64		memory;
	int64		rebuilds;
	int			orgs,
				resources,
				roles,
				perms,
				memo;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	ApBeginCheck();
	ApCacheStats(&memory, &orgs, &resources, &roles, &perms, &memo, &rebuilds);
	values[0] = Int64GetDatum(memory);
	values[1] = Int32GetDatum(orgs);
	values[2] = Int32GetDatum(resources);
	values[3] = Int32GetDatum(roles);
	values[4] = Int32GetDatum(perms);
	values[5] = Int32GetDatum(memo);
	values[6] = Int64GetDatum(rebuilds);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(current_user_id);

/* current_user_id(): the user checks act for, NULL if none or unknown. */
Datum
current_user_id(PG_FUNCTION_ARGS)
{
	ApBeginCheck();
	if (!ApHaveUser())
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(ApCurrentUserId()));
}

PG_FUNCTION_INFO_V1(is_system);

/*
 * is_system(): no user acts (no identity, no login mapping) and the session
 * role is a superuser: administration may bootstrap and repair anything.
 */
Datum
is_system(PG_FUNCTION_ARGS)
{
	ApBeginCheck();
	PG_RETURN_BOOL(ApIsSystem());
}

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
	CheckState *st = StateFor(fcinfo, nameargno, resolve);

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

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);
	ApBeginCheckFast();
	st = KeyStateFor(fcinfo, 1, false);
	ApKeyBytes(AP_KEY_RESOURCE, st->key_argtype, PG_GETARG_DATUM(0), &buf, &bytes, &len);
	h = KeyHash(bytes, len);
	if (likely(KeyAnswerKnown(st, h, bytes, len, &result)))
		PG_RETURN_BOOL(result);
	if (ResOfKey(st->key_argtype, PG_GETARG_DATUM(0), &res) && ApHaveUser())
	{
		char	   *action = text_to_cstring(st->name);
		const Bitmapset *needed = ApActionPermissions(res, action);

		result = needed != NULL && bms_is_subset(needed, ApResourcePermissions(res, &org));
		pfree(action);
	}
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
	ListState  *st;
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
	st = (ListState *) fcinfo->flinfo->fn_extra;
	if (st != NULL && st->generation == ApCacheGeneration() && SameText(st->name, name))
		PG_RETURN_ARRAYTYPE_P(st->result);

	ids = ApOrgsWithArray(ApPermissionIndex(text_to_cstring(name), false));
	n = ArrayGetNItems(ARR_NDIM(ids), ARR_DIMS(ids));
	keys = palloc(sizeof(char *) * Max(n, 1));
	ApOrgKeys((const int64 *) ARR_DATA_PTR(ids), n, keys);
	result = KeyArray(AP_KEY_ORG, elemtype, keys, n);

	if (st == NULL)
	{
		st = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ListState));
		fcinfo->flinfo->fn_extra = st;
	}
	if (st->name)
		pfree(st->name);
	st->name = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE_ANY(name));
	memcpy(st->name, name, VARSIZE_ANY(name));
	st->result = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE(result));
	memcpy(st->result, result, VARSIZE(result));
	st->generation = ApCacheGeneration();
	PG_RETURN_ARRAYTYPE_P(st->result);
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
