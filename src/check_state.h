/*-------------------------------------------------------------------------
 *
 * check_state.h
 *	  What the SQL-callable checks remember per call site (fn_extra): the
 *	  resolved name argument and the answers given, by id (check.c) or by
 *	  key (check_keys.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef AP_CHECK_STATE_H
#define AP_CHECK_STATE_H

#include "fmgr.h"
#include "utils/array.h"

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

static inline bool
SameText(text *a, text *b)
{
	return a != NULL && VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
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

extern CheckState *ApCheckStateFor(FunctionCallInfo fcinfo, int argno, bool resolve);

/* the last list a call site of orgs_with() or org_keys_with() built (check.c) */
extern ArrayType *ApListRemembered(FunctionCallInfo fcinfo, text *name);
extern ArrayType *ApListRemember(FunctionCallInfo fcinfo, text *name, ArrayType *result);

#endif							/* AP_CHECK_STATE_H */
