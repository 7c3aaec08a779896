/*-------------------------------------------------------------------------
 *
 * invalidate.c
 *	  The cache invalidation trigger of every policy table: a write queues a
 *	  relcache invalidation of the signal relation of the part it changes,
 *	  of the user signal bucket of the user it concerns, or of the channel of
 *	  the org it concerns, delivered to this backend at its next command and
 *	  to every other backend (and hot standby) at commit.  The receiving end
 *	  is the relcache callback in cache.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "parser/parse_relation.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "catalog.h"
#include "compat.h"
#include "orgs.h"
#include "user.h"

/* SignalUserOf: signal the bucket of the user in column att (text) of tup. */
static void
SignalUserOf(Relation rel, HeapTuple tup, AttrNumber att)
{
	bool		isnull;
	Datum		d;
	text	   *t;

	d = heap_getattr(tup, att, RelationGetDescr(rel), &isnull);
	if (isnull)
		return;
	t = DatumGetTextPP(d);
	if (OidIsValid(ApCatalog.sig_user[0]))
		CacheInvalidateRelcacheByRelid(ApCatalog.sig_user[ApUserBucket(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t))]);
	else
		CacheInvalidateRelcache(rel);
}

/*
 * SignalChannel queues the invalidation of an org channel (of an org id or
 * an org key): a relcache
 * invalidation of a number that names no relation, registered exactly as
 * for a relation's pg_class row (only its oid and relisshared are read), so
 * that it travels like every other one: to this backend at its next
 * command, to the others at commit (never on rollback), to hot standbys in
 * the commit record.  Receivers find no relcache entry to rebuild; only the
 * callback of access_policy acts on it.  Within one command, repeated
 * invalidations of one channel are sent once.
 */
static void
SignalChannel(uint32 channel)
{
	Size		hoff = MAXALIGN(SizeofHeapTupleHeader);
	HeapTupleHeader td = palloc0(hoff + sizeof(FormData_pg_class));
	HeapTupleData tup;
	Form_pg_class form;

	td->t_hoff = hoff;
	tup.t_len = hoff + sizeof(FormData_pg_class);
	ItemPointerSetInvalid(&tup.t_self);
	tup.t_tableOid = RelationRelationId;
	tup.t_data = td;
	form = (Form_pg_class) GETSTRUCT(&tup);
	form->oid = AP_ORG_CHANNEL_BASE + channel;
	form->relisshared = false;
	CacheInvalidateRelcacheByTuple(&tup);
	pfree(td);
}

/*
 * TriggerColumn: the column the trigger's argument i names, which must be of
 * type typid and hold ids of the kind named by what ("org ids", "user
 * ids"); anything else is an error, never a misread datum.
 */
static AttrNumber
TriggerColumn(Relation rel, Trigger *trigger, int i, Oid typid, const char *what)
{
	const char *col = trigger->tgargs[i];
	AttrNumber	att = attnameAttNum(rel, col, false);

	if (att == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist", col,
						RelationGetRelationName(rel)),
				 errdetail("Trigger \"%s\" passes it to access_policy_internal._invalidate() as %s column of %s.",
						   trigger->tgname, typid == TEXTOID ? "the" : "a", what)));
	if (TupleDescAttr(RelationGetDescr(rel), att - 1)->atttypid != typid)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of relation \"%s\" is not of type %s", col,
						RelationGetRelationName(rel), format_type_be(typid)),
				 errdetail("Trigger \"%s\" passes it to access_policy_internal._invalidate() as %s column of %s.",
						   trigger->tgname, typid == TEXTOID ? "the" : "a", what)));
	return att;
}

/*
 * SignalOrgsOf: signal the channel of each argument column of tup: of the
 * org id in a bigint column, of the key in orgs.key (0.5.0: a backend that
 * looked a key up and found no org touched its channel).
 */
static void
SignalOrgsOf(Relation rel, Trigger *trigger, HeapTuple tup)
{
	for (int i = 0; i < trigger->tgnargs; i++)
	{
		AttrNumber	att = attnameAttNum(rel, trigger->tgargs[i], false);
		bool		is_text = att != InvalidAttrNumber && RelationGetRelid(rel) == ApCatalog.orgs &&
			att == ApCatalog.org_key_att;
		bool		isnull;
		Datum		d;

		att = TriggerColumn(rel, trigger, i, is_text ? TEXTOID : INT8OID, is_text ? "org keys" : "org ids");
		d = heap_getattr(tup, att, RelationGetDescr(rel), &isnull);
		if (isnull)
			continue;
		if (is_text)
		{
			text	   *t = DatumGetTextPP(d);

			SignalChannel(ApOrgKeyChannel(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
		}
		else
			SignalChannel(ApOrgChannel(DatumGetInt64(d)));
	}
}

/* IsPolicyTable: is relid one of the tables the cache reads? */
static bool
IsPolicyTable(Oid relid)
{
	return relid == ApCatalog.users || relid == ApCatalog.orgs || relid == ApCatalog.permissions ||
		relid == ApCatalog.roles || relid == ApCatalog.role_permissions || relid == ApCatalog.assignments ||
		relid == ApCatalog.resource_kinds || relid == ApCatalog.kind_actions || relid == ApCatalog.resources ||
		relid == ApCatalog.resource_grants || relid == ApCatalog.login_roles ||
		relid == ApCatalog.protected_tables || relid == ApCatalog.support_settings ||
		relid == ApCatalog.support_overrides ||
		(OidIsValid(ApCatalog.key_types) && relid == ApCatalog.key_types) ||
		ApIsShellOfPlaced(relid);
}

/* SignalPart: the signal relation for a whole table; InvalidOid if none. */
static Oid
SignalPart(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);

	if (relid == ApCatalog.orgs || relid == ApCatalog.support_settings || relid == ApCatalog.support_overrides)
		return ApCatalog.sig_orgs;
	/* the key types are read with the roles part */
	if (relid == ApCatalog.permissions || relid == ApCatalog.roles || relid == ApCatalog.role_permissions ||
		relid == ApCatalog.key_types)
		return ApCatalog.sig_roles;
	if (relid == ApCatalog.resources || relid == ApCatalog.resource_grants)
		return ApCatalog.sig_res;
	if (relid == ApCatalog.resource_kinds || relid == ApCatalog.kind_actions)
		return ApCatalog.sig_actions;
	if (relid == ApCatalog.login_roles)
		return ApCatalog.sig_logins;
	return InvalidOid;
}

/* SignalAllUsers: every user bucket (a 0.1.0 schema has none: the table) */
static void
SignalAllUsers(Relation rel)
{
	if (OidIsValid(ApCatalog.sig_user[0]))
	{
		for (int b = 0; b < AP_USER_BUCKETS; b++)
			CacheInvalidateRelcacheByRelid(ApCatalog.sig_user[b]);
	}
	else
		CacheInvalidateRelcache(rel);
}

/* SignalEverything: every part and every user bucket */
static void
SignalEverything(Relation rel)
{
	Oid			parts[] = {ApCatalog.sig_orgs, ApCatalog.sig_roles, ApCatalog.sig_res,
	ApCatalog.sig_actions, ApCatalog.sig_logins};

	for (int i = 0; i < lengthof(parts); i++)
		if (OidIsValid(parts[i]))
			CacheInvalidateRelcacheByRelid(parts[i]);
	SignalAllUsers(rel);
}

PG_FUNCTION_INFO_V1(invalidate_trigger);

/*
 * invalidate_trigger: the cache invalidation trigger of every policy table.
 * It queues a relcache invalidation of the matching signal relation (see
 * sql/access_policy_signals.sql), delivered to this backend at its next
 * command and to every other backend (and hot standby) at commit.
 *  - as a row trigger with an argument, the column holding a user id: the
 *	  bucket of that user, for the old and the new row (users, assignments);
 *  - otherwise the table's part (and for users and assignments, every
 *	  bucket: TRUNCATE).
 * Under a 0.1.0 schema (no signal relations) it invalidates the table itself.
 * Attached anywhere else, or given a column that does not hold text, it
 * refuses with an error.
 */
Datum
invalidate_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	Oid			signal;
	HeapTuple	rettuple = NULL;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("access_policy_internal._invalidate() must be called as a trigger")));
	rel = trigdata->tg_relation;
	if (!ApCatalog.valid || get_rel_namespace(ApCatalog.orgs) != ApCatalog.nsp)
	{
		ApCatalog.valid = false;
		ApResolveRels();
	}
	/* under Citus, a placement created since this backend looked (a new node, a re-distribution) */
	if (!IsPolicyTable(RelationGetRelid(rel)) && ApCatalog.citus)
	{
		ApCatalog.valid = false;
		ApResolveRels();
	}
	if (!IsPolicyTable(RelationGetRelid(rel)) && ApCatalog.citus &&
		RelationGetNamespace(rel) == ApCatalog.nsp)
	{
		/*
		 * A shard placement Citus is filling before this node's metadata
		 * names it (create_reference_table, a new node): signal every part.
		 */
		SignalEverything(rel);
		PG_RETURN_POINTER(TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ?
						  (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
						   trigdata->tg_newtuple : trigdata->tg_trigtuple) : NULL);
	}
	if (!IsPolicyTable(RelationGetRelid(rel)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("access_policy_internal._invalidate() cannot be fired for relation \"%s\"",
						RelationGetRelationName(rel)),
				 errdetail("Trigger \"%s\" on \"%s.%s\" fires it; it is the cache invalidation trigger of the tables of access_policy only.",
						   trigdata->tg_trigger->tgname,
						   get_namespace_name(RelationGetNamespace(rel)),
						   RelationGetRelationName(rel)),
				 errhint("Drop the trigger.")));

	/* a row trigger returns the row it was given, unchanged */
	if (TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		rettuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
			trigdata->tg_newtuple : trigdata->tg_trigtuple;

	if (TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) && trigdata->tg_trigger->tgnargs > 0 &&
		(RelationGetRelid(rel) == ApCatalog.orgs || RelationGetRelid(rel) == ApCatalog.support_settings ||
		 RelationGetRelid(rel) == ApCatalog.support_overrides))
	{
		SignalOrgsOf(rel, trigdata->tg_trigger, trigdata->tg_trigtuple);
		if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
			SignalOrgsOf(rel, trigdata->tg_trigger, trigdata->tg_newtuple);
		PG_RETURN_POINTER(rettuple);
	}
	if (TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) && trigdata->tg_trigger->tgnargs > 0)
	{
		AttrNumber	att = TriggerColumn(rel, trigdata->tg_trigger, 0, TEXTOID, "user ids");

		SignalUserOf(rel, trigdata->tg_trigtuple, att);
		if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
			SignalUserOf(rel, trigdata->tg_newtuple, att);
		PG_RETURN_POINTER(rettuple);
	}

	signal = SignalPart(rel);
	if (RelationGetRelid(rel) == ApCatalog.users || RelationGetRelid(rel) == ApCatalog.assignments)
		SignalAllUsers(rel);
	else if (OidIsValid(signal))
		CacheInvalidateRelcacheByRelid(signal);
	else
		CacheInvalidateRelcache(rel);
	PG_RETURN_POINTER(rettuple);
}
