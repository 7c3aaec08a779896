/*-------------------------------------------------------------------------
 *
 * planner_support.c
 *	  Planner support for can(org_column, 'permission'), the qual that
 *	  protect_table() puts into RLS policies:
 *	  - selectivity: the share of orgs where the acting user holds the
 *		permission, instead of the default one third;
 *	  - an index condition org_column = ANY (orgs_with('permission')) on a
 *		btree index of the org column, offered only when the user sees a
 *		small share of the orgs, so a selective RLS query becomes an index
 *		scan and a broad one stays a sequential scan with the per-row check.
 *		The condition is lossy: can() still runs on every fetched row.
 *
 *	  Both are plan-time estimates for the identity planning the query; a
 *	  cached generic plan reused by another user stays correct (the array
 *	  and the check are evaluated at execution time), only perhaps slower.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "access_policy.h"

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
	int			total;

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
	(void) ApOrgsWithPermission(idx, &n);
	total = ApOrgCount();
	if (total <= 0)
		return 0.0;
	return (double) n / (double) total;
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

		if (!IsA(clause, FuncExpr) || req->indexarg != 0 ||
			req->index->relam != BTREE_AM_OID || list_length(clause->args) != 2)
			PG_RETURN_POINTER(NULL);
		leftop = linitial(clause->args);
		lefttype = exprType(leftop);
		opno = get_opfamily_member(req->opfamily, lefttype, INT8OID, BTEqualStrategyNumber);
		if (!OidIsValid(opno))
			PG_RETURN_POINTER(NULL);
		share = VisibleShare(req->root, clause->args);
		if (share < 0 || share > AP_INDEX_SHARE)
			PG_RETURN_POINTER(NULL);

		array = makeFuncExpr(ApOrgsWithFunctionOid(), INT8ARRAYOID,
							 list_make1(copyObject(lsecond(clause->args))),
							 InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
		saop = makeNode(ScalarArrayOpExpr);
		saop->opno = opno;
		saop->opfuncid = get_opcode(opno);
		saop->hashfuncid = InvalidOid;
		saop->negfuncid = InvalidOid;
		saop->useOr = true;
		saop->inputcollid = InvalidOid;
		saop->args = list_make2(copyObject(leftop), array);
		saop->location = -1;

		req->lossy = true;
		PG_RETURN_POINTER(list_make1(saop));
	}

	PG_RETURN_POINTER(NULL);
}
