/*-------------------------------------------------------------------------
 *
 * activity.c
 *	  The support activity trigger of protected tables: every row a support
 *	  agent inserts, updates or deletes is recorded, in the same transaction,
 *	  by access_policy_internal._record_support_activity().
 *
 * protect_table() puts this trigger (AFTER INSERT OR UPDATE OR DELETE, FOR
 * EACH ROW, WHEN acting_as_support()) on every table it protects: for the
 * writes of everybody but support staff it costs one test of the acting
 * user (cached, as every check) and queues no trigger event.  For an agent's row the row images are
 * made into jsonb here, as the writing role: a type's cast to json written
 * by the table's owner runs with the writer's rights, never the extension
 * owner's.  The rest -- which org, whether the agent wrote through support
 * access or a role of their own, which setting or override allowed it, the
 * insert into the append-only log -- is done by the SECURITY DEFINER
 * function, which sees only jsonb.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "cache.h"
#include "catalog.h"
#include "user.h"

/* a row image as jsonb, converted as the writing role */
static Datum
RowToJsonb(Relation rel, HeapTuple tuple)
{
	Oid			argtypes[1] = {RelationGetForm(rel)->reltype};
	Datum		args[1];
	Datum		result;
	bool		isnull;
	int			ret;

	args[0] = heap_copy_tuple_as_datum(tuple, RelationGetDescr(rel));
	ret = SPI_execute_with_args("SELECT pg_catalog.to_jsonb($1)", 1, argtypes, args, NULL, true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "access_policy: could not convert a row of \"%s\" to jsonb", RelationGetRelationName(rel));
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		elog(ERROR, "access_policy: a row of \"%s\" converted to a NULL jsonb", RelationGetRelationName(rel));
	/* out of SPI's memory, which SPI_finish frees */
	return SPI_datumTransfer(result, false, -1);
}

PG_FUNCTION_INFO_V1(acting_as_support);

/*
 * acting_as_support(): is the acting user support staff?  The WHEN clause of
 * the support activity trigger: evaluated when a row is written, so that the
 * writes of everybody else queue no AFTER trigger event at all.
 */
Datum
acting_as_support(PG_FUNCTION_ARGS)
{
	ApBeginCheckFast();
	PG_RETURN_BOOL(ApHaveUser() && ApUserIsSupport);
}

PG_FUNCTION_INFO_V1(support_activity);

/*
 * _support_activity(): trigger AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW
 * on a protected table.
 */
Datum
support_activity(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	const char *op;
	Datum		before = (Datum) 0;
	Datum		after = (Datum) 0;
	Oid			argtypes[8] = {OIDOID, TEXTOID, JSONBOID, JSONBOID, NAMEOID, TEXTOID, TEXTOID, BOOLOID};
	Oid			record_fn;
	Trigger    *trigger;
	int			nargs;
	LOCAL_FCINFO(call, 8);
	FmgrInfo	flinfo;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("access_policy_internal._support_activity() must be called as a trigger")));
	if (!TRIGGER_FIRED_AFTER(trigdata->tg_event) || !TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("access_policy_internal._support_activity() must be fired AFTER ... FOR EACH ROW")));

	/* the fast path: the acting user is no support agent */
	ApBeginCheckFast();
	if (!ApHaveUser() || !ApUserIsSupport)
		return PointerGetDatum(NULL);

	rel = trigdata->tg_relation;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "access_policy: SPI_connect failed");
	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		op = "insert";
		after = RowToJsonb(rel, trigdata->tg_trigtuple);
	}
	else if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		op = "update";
		before = RowToJsonb(rel, trigdata->tg_trigtuple);
		after = RowToJsonb(rel, trigdata->tg_newtuple);
	}
	else if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
	{
		op = "delete";
		before = RowToJsonb(rel, trigdata->tg_trigtuple);
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("access_policy_internal._support_activity() must be fired by INSERT, UPDATE or DELETE")));
	SPI_finish();

	/*
	 * The recording function by OID, not through SQL: it is the extension
	 * owner's alone, in a schema nobody else may use (so nobody can forge a
	 * record), and SECURITY DEFINER, which fmgr honours.  A trigger created
	 * by protect_table() since 0.7.0 carries the protection in its four
	 * arguments (org column, read and write permission, by key), which reach
	 * every shard of a Citus table; an older one has none, and the recording
	 * function looks the table up in protected_tables.
	 */
	trigger = trigdata->tg_trigger;
	nargs = trigger->tgnargs == 4 ? 8 : 4;
	record_fn = GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid,
								CStringGetDatum("_record_support_activity"),
								PointerGetDatum(buildoidvector(argtypes, nargs)),
								ObjectIdGetDatum(get_namespace_oid(AP_INTERNAL_SCHEMA_NAME, false)));
	if (!OidIsValid(record_fn))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("access_policy_internal._record_support_activity() does not exist"),
				 errhint("Run ALTER EXTENSION access_policy UPDATE.")));
	fmgr_info(record_fn, &flinfo);
	InitFunctionCallInfoData(*call, &flinfo, nargs, InvalidOid, NULL, NULL);
	/* under Citus the trigger fires on a shard: the table is the distributed one */
	call->args[0].value = ObjectIdGetDatum(ApLogicalRelation(RelationGetRelid(rel)));
	call->args[0].isnull = false;
	call->args[1].value = CStringGetTextDatum(op);
	call->args[1].isnull = false;
	call->args[2].value = before;
	call->args[2].isnull = (before == (Datum) 0);
	call->args[3].value = after;
	call->args[3].isnull = (after == (Datum) 0);
	if (nargs == 8)
	{
		call->args[4].value = DirectFunctionCall1(namein, CStringGetDatum(trigger->tgargs[0]));
		call->args[5].value = CStringGetTextDatum(trigger->tgargs[1]);
		call->args[6].value = CStringGetTextDatum(trigger->tgargs[2]);
		call->args[7].value = DirectFunctionCall1(boolin, CStringGetDatum(trigger->tgargs[3]));
		for (int i = 4; i < 8; i++)
			call->args[i].isnull = false;
	}
	(void) FunctionCallInvoke(call);

	return PointerGetDatum(NULL);
}
