/*-------------------------------------------------------------------------
 *
 * planner_support.c
 *	  Planner support for can(org_column, 'permission'), the qual that
 *	  protect_table() puts into RLS policies:
 *	  - selectivity: the share of orgs where the acting user holds the
 *		permission, instead of the default one third;
 *	  - an index condition org_column = ANY (orgs_with('permission')) on a
 *		btree index of the org column, offered when the user sees a small
 *		share of the orgs (a selective query becomes an index scan) or when
 *		the index alone can answer the query (an index-only scan, e.g. a
 *		count(*) of what the user may see); otherwise a broad query stays a
 *		sequential scan with the per-row check.  The condition is exact:
 *		orgs_with(p) lists precisely the orgs where can(org, p) is true at
 *		the statement's time, so where the index answers the query alone
 *		no per-row check is needed; elsewhere the condition is lossy and
 *		can() still runs on every fetched row.
 *
 *	  Both are plan-time estimates for the identity planning the query; a
 *	  cached generic plan reused by another user stays correct (the array
 *	  and the check are evaluated at execution time), only perhaps slower.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "access/sysattr.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "cache.h"
#include "catalog.h"
#include "check.h"
#include "orgs.h"
#include "roles.h"
#include "user.h"

/* offer the index condition only below this share of visible orgs */
#define AP_INDEX_SHARE	0.2

/*
 * VisibleShare estimates the share of orgs where the acting user holds the
 * permission named by the constant argument; -1 if it is not a constant.
 */
static double
VisibleShare(PlannerInfo *root, List *args)
{
	Node	   *permarg;
	Const	   *c;
	char	   *perm;
	int			idx;
	int			n;
	double		total;

	if (list_length(args) != 2)
		return -1;
	permarg = estimate_expression_value(root, lsecond(args));
	if (!IsA(permarg, Const))
		return -1;
	c = (Const *) permarg;
	if (c->constisnull || c->consttype != TEXTOID)
		return -1;

	ApBeginCheck();
	perm = TextDatumGetCString(c->constvalue);
	idx = ApPermissionIndex(perm, true);
	if (idx < 0 || !ApHaveUser())
		return 0.0;
	n = ArrayGetNItems(ARR_NDIM(ApOrgsWithArray(idx)), ARR_DIMS(ApOrgsWithArray(idx)));
	/* ApOrgCountEstimate() reads the orgs table: the cache up to date again */
	ApBeginCheck();
	total = ApOrgCountEstimate();
	if (total <= 0)
		return 0.0;
	return Min(1.0, (double) n / total);
}

/*
 * IndexCanAnswer: could an index-only scan on this index produce everything
 * the query needs from the relation (its output columns and the columns of
 * every restriction)?  The same test the planner makes before it builds an
 * index-only path; system columns (ctid for UPDATE and DELETE) never pass.
 */
static bool
IndexCanAnswer(IndexOptInfo *index)
{
	RelOptInfo *rel = index->rel;
	Bitmapset  *needed = NULL;
	Bitmapset  *returnable = NULL;
	ListCell   *lc;
	int			i;

	if (!enable_indexonlyscan || rel->reltarget == NULL)
		return false;
	pull_varattnos((Node *) rel->reltarget->exprs, rel->relid, &needed);
	foreach(lc, rel->baserestrictinfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);

		pull_varattnos((Node *) rinfo->clause, rel->relid, &needed);
	}
	for (i = 0; i < index->ncolumns; i++)
	{
		int			attno = index->indexkeys[i];

		if (attno != 0 && index->canreturn[i])
			returnable = bms_add_member(returnable, attno - FirstLowInvalidHeapAttributeNumber);
	}
	return bms_is_subset(needed, returnable);
}

PG_FUNCTION_INFO_V1(can_support);

/* can_support(internal): the planner support function of can(). */
Datum
can_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);

	if (IsA(rawreq, SupportRequestSelectivity))
	{
		SupportRequestSelectivity *req = (SupportRequestSelectivity *) rawreq;
		double		share;

		if (req->is_join)
			PG_RETURN_POINTER(NULL);
		share = VisibleShare(req->root, req->args);
		if (share < 0)
			PG_RETURN_POINTER(NULL);
		/* never claim exactly zero rows: plans stay sane if data changes */
		req->selectivity = Max(share, 0.0001);
		PG_RETURN_POINTER(req);
	}

	if (IsA(rawreq, SupportRequestIndexCondition))
	{
		SupportRequestIndexCondition *req = (SupportRequestIndexCondition *) rawreq;
		FuncExpr   *clause = (FuncExpr *) req->node;
		Node	   *leftop;
		Oid			lefttype;
		Oid			opno;
		ScalarArrayOpExpr *saop;
		FuncExpr   *array;
		double		share;
		bool		covered;
		bool		by_key;

		if (!IsA(clause, FuncExpr) || req->indexarg != 0 ||
			req->index->relam != BTREE_AM_OID || list_length(clause->args) != 2)
			PG_RETURN_POINTER(NULL);
		leftop = linitial(clause->args);
		lefttype = exprType(leftop);
		ApBeginCheck();
		by_key = ApIsKeyCheck(clause->funcid);
		opno = get_opfamily_member(req->opfamily, lefttype, by_key ? lefttype : INT8OID,
								   BTEqualStrategyNumber);
		if (!OidIsValid(opno))
			PG_RETURN_POINTER(NULL);
		share = VisibleShare(req->root, clause->args);
		if (share < 0)
			PG_RETURN_POINTER(NULL);
		covered = IndexCanAnswer(req->index);
		if (share > AP_INDEX_SHARE && !covered)
			PG_RETURN_POINTER(NULL);

		if (by_key)
		{
			/* org_key = ANY (org_keys_with('p', NULL::<the column's type>)) */
			Oid			arraytype = get_array_type(lefttype);
			Oid			fn = ApOrgKeysWithFunctionOid();
			Oid			collation = exprCollation(leftop);

			if (!OidIsValid(arraytype) || !OidIsValid(fn))
				PG_RETURN_POINTER(NULL);

			/*
			 * Keys are compared byte for byte.  Under a nondeterministic
			 * collation (case-insensitive, say) the condition would also
			 * admit the rows of another key that compares equal, and an
			 * index-only scan would not recheck them: no condition.
			 */
			if (OidIsValid(collation) && !get_collation_isdeterministic(collation))
				PG_RETURN_POINTER(NULL);
			array = makeFuncExpr(fn, arraytype,
								 list_make2(copyObject(lsecond(clause->args)),
											makeNullConst(lefttype, -1, exprCollation(leftop))),
								 exprCollation(leftop), exprCollation(leftop), COERCE_EXPLICIT_CALL);
		}
		else
			array = makeFuncExpr(ApOrgsWithFunctionOid(), INT8ARRAYOID,
								 list_make1(copyObject(lsecond(clause->args))),
								 InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
		saop = makeNode(ScalarArrayOpExpr);
		saop->opno = opno;
		saop->opfuncid = get_opcode(opno);
		saop->hashfuncid = InvalidOid;
		saop->negfuncid = InvalidOid;
		saop->useOr = true;
		saop->inputcollid = exprCollation(leftop);
		saop->args = list_make2(copyObject(leftop), array);
		saop->location = -1;

		/*
		 * Exact only where nothing rechecks it row by row: an index-only or
		 * plain index scan on a covering index.  Elsewhere (a bitmap heap
		 * scan may recheck lossy pages, where = ANY of a computed array is a
		 * linear search) can() stays as the per-row filter.
		 */
		req->lossy = !covered;
		PG_RETURN_POINTER(list_make1(saop));
	}

	PG_RETURN_POINTER(NULL);
}
