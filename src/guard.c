/*-------------------------------------------------------------------------
 *
 * guard.c
 *	  Integrity guards written in C because they sit on the write path of
 *	  every grant: a custom role is assignable only in the org that defines
 *	  it and below (the trigger assignment_guard on assignments).  The other
 *	  guards are PL/pgSQL in sql/access_policy.sql.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "catalog.h"
#include "orgs.h"

/* RoleOrg: the org a role is defined in; false for a role of no org. */
static bool
RoleOrg(int64 role_id, int64 *org_id)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData skey;
	HeapTuple	tup;
	bool		found = false;

	rel = table_open(ApCatalog.roles, AccessShareLock);
	ScanKeyInit(&skey, ApCatalog.role_id_att, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(role_id));
	scan = systable_beginscan(rel, ApCatalog.roles_pkey, true, NULL, 1, &skey);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, ApCatalog.role_org_att, RelationGetDescr(rel), &isnull);

		if (!isnull)
		{
			*org_id = DatumGetInt64(d);
			found = true;
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

PG_FUNCTION_INFO_V1(assignment_guard);

/*
 * assignment_guard: BEFORE INSERT OR UPDATE row trigger of assignments.  A
 * role defined in an org may be assigned there and below, reading the
 * latest committed tree (a concurrent move is seen once it commits).  A
 * role that does not exist is left to the foreign key.
 */
Datum
assignment_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	HeapTuple	tup;
	bool		isnull;
	int64		org_id;
	int64		role_id;
	int64		role_org;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) || TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("access_policy_internal._assignment_guard() must be fired BEFORE INSERT OR UPDATE FOR EACH ROW")));
	rel = trigdata->tg_relation;
	if (!ApCatalog.valid || get_rel_namespace(ApCatalog.orgs) != ApCatalog.nsp)
	{
		ApCatalog.valid = false;
		ApResolveRels();
	}
	if (RelationGetRelid(rel) != ApCatalog.assignments)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("access_policy_internal._assignment_guard() cannot be fired for relation \"%s\"",
						RelationGetRelationName(rel)),
				 errhint("Drop the trigger.")));

	tup = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
	org_id = DatumGetInt64(heap_getattr(tup, ApCatalog.as_org_att, RelationGetDescr(rel), &isnull));
	if (isnull)
		PG_RETURN_POINTER(tup);
	role_id = DatumGetInt64(heap_getattr(tup, ApCatalog.as_role_att, RelationGetDescr(rel), &isnull));
	if (isnull)
		PG_RETURN_POINTER(tup);
	if (RoleOrg(role_id, &role_org) && !ApOrgIsDescendantLatest(org_id, role_org))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("role " INT64_FORMAT " is defined in org " INT64_FORMAT " and cannot be used in org " INT64_FORMAT,
						role_id, role_org, org_id),
				 errhint("A custom role can be assigned in the org that defines it and in its descendants.")));
	PG_RETURN_POINTER(tup);
}
