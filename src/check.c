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
#include "check_state.h"
#include "compat.h"
#include "derive.h"
#include "keys.h"
#include "orgs.h"
#include "resources.h"
#include "roles.h"
#include "user.h"



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


/*
 * StateFor refreshes the call site state for this name argument and cache
 * generation; resolve says whether the name is a permission to look up.
 */
CheckState *
ApCheckStateFor(FunctionCallInfo fcinfo, int argno, bool resolve)
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
	st = ApCheckStateFor(fcinfo, 1, true);
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
	st = ApCheckStateFor(fcinfo, 1, true);
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
	st = ApCheckStateFor(fcinfo, 1, false);
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
	st = ApCheckStateFor(fcinfo, 2, true);
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
 * ApListRemembered: the list this call site built for this name argument in
 * this cache generation (an index condition org = ANY (orgs_with(p)) may be
 * evaluated again for every rescan), NULL if there is none.  The array
 * returned must not be modified: callers never modify a function's result
 * in place.
 */
ArrayType *
ApListRemembered(FunctionCallInfo fcinfo, text *name)
{
	ListState  *st = (ListState *) fcinfo->flinfo->fn_extra;

	if (st != NULL && st->generation == ApCacheGeneration() && SameText(st->name, name))
		return st->result;
	return NULL;
}

/* ApListRemember: keep a copy of the list built for name; returns the copy. */
ArrayType *
ApListRemember(FunctionCallInfo fcinfo, text *name, ArrayType *result)
{
	ListState  *st = (ListState *) fcinfo->flinfo->fn_extra;

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
	return st->result;
}

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
	ArrayType  *result;

	if (PG_ARGISNULL(0))
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(INT8OID));
	ApBeginCheck();
	name = PG_GETARG_TEXT_PP(0);
	result = ApListRemembered(fcinfo, name);
	if (result != NULL)
		PG_RETURN_ARRAYTYPE_P(result);

	perm = text_to_cstring(name);
	idx = ApPermissionIndex(perm, false);
	result = ApOrgsWithArray(idx);

	PG_RETURN_ARRAYTYPE_P(ApListRemember(fcinfo, name, result));
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

