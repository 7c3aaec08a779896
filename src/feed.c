/*-------------------------------------------------------------------------
 *
 * feed.c
 *	  The change feed: one NOTIFY access_policy_changes per committed
 *	  transaction that changed policy data, sent at commit, never for a
 *	  rolled-back change.
 *
 * Every change of policy data writes an audit row (the audit triggers, in
 * the same transaction).  A row trigger on the audit log (_feed_collect)
 * adds each audit row to a summary of the transaction: the range of audit
 * ids, how many rows of which table, and the ids of the orgs, users and
 * resources they concern.  The summary is kept per subtransaction level: a
 * rolled-back subtransaction's part is dropped, a committed one's merged
 * into its parent.  Just before the commit (the PRE_COMMIT transaction
 * callback, which runs before PostgreSQL queues the transaction's
 * notifications) the summary becomes the payload of one pg_notify().  It
 * carries ids only: any role may LISTEN on any channel, and NOTIFY on it.
 * Consumers read the details with access_policy.changes(), which checks the
 * reader.  A payload that would exceed NOTIFY's limit leaves the id lists
 * out and says so ("truncated": true); the audit id range is always there.
 * A prepared transaction (two-phase commit) sends nothing: PostgreSQL does
 * not allow NOTIFY there.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/parallel.h"
#include "access/xact.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"

#define FEED_CHANNEL		"access_policy_changes"
/* ids listed per kind at the most; more are counted, not listed */
#define FEED_MAX_IDS		50
#define FEED_MAX_TABLES		32
/* NOTIFY allows 8000 bytes including the channel name */
#define FEED_MAX_PAYLOAD	7500

typedef struct FeedSummary
{
	int			level;			/* subtransaction nesting level */
	struct FeedSummary *parent;
	int64		min_id;
	int64		max_id;
	int64		rows;
	int			ntables;
	char	   *tables[FEED_MAX_TABLES];
	int64		table_rows[FEED_MAX_TABLES];
	int			norgs;
	int64		orgs[FEED_MAX_IDS];
	int			nresources;
	int64		resources[FEED_MAX_IDS];
	int			nusers;
	char	   *users[FEED_MAX_IDS];
	bool		truncated;		/* some ids were not listed */
} FeedSummary;

/* the summary of the innermost (sub)transaction that collected something */
static FeedSummary *feed = NULL;
static bool callbacks_registered = false;

static FeedSummary *
NewSummary(int level, FeedSummary *parent)
{
	FeedSummary *s = MemoryContextAllocZero(TopTransactionContext, sizeof(FeedSummary));

	s->level = level;
	s->parent = parent;
	s->min_id = PG_INT64_MAX;
	s->max_id = PG_INT64_MIN;
	return s;
}

static void
AddOrg(FeedSummary *s, int64 id)
{
	for (int i = 0; i < s->norgs; i++)
		if (s->orgs[i] == id)
			return;
	if (s->norgs < FEED_MAX_IDS)
		s->orgs[s->norgs++] = id;
	else
		s->truncated = true;
}

static void
AddResource(FeedSummary *s, int64 id)
{
	for (int i = 0; i < s->nresources; i++)
		if (s->resources[i] == id)
			return;
	if (s->nresources < FEED_MAX_IDS)
		s->resources[s->nresources++] = id;
	else
		s->truncated = true;
}

static void
AddUser(FeedSummary *s, const char *id)
{
	for (int i = 0; i < s->nusers; i++)
		if (strcmp(s->users[i], id) == 0)
			return;
	if (s->nusers < FEED_MAX_IDS)
		s->users[s->nusers++] = MemoryContextStrdup(TopTransactionContext, id);
	else
		s->truncated = true;
}

static void
AddTable(FeedSummary *s, const char *table, int64 rows)
{
	for (int i = 0; i < s->ntables; i++)
		if (strcmp(s->tables[i], table) == 0)
		{
			s->table_rows[i] += rows;
			return;
		}
	if (s->ntables < FEED_MAX_TABLES)
	{
		s->tables[s->ntables] = MemoryContextStrdup(TopTransactionContext, table);
		s->table_rows[s->ntables++] = rows;
	}
	else
		s->truncated = true;
}

/* a committed subtransaction's summary joins its parent's */
static void
MergeInto(FeedSummary *dst, FeedSummary *src)
{
	dst->min_id = Min(dst->min_id, src->min_id);
	dst->max_id = Max(dst->max_id, src->max_id);
	dst->rows += src->rows;
	for (int i = 0; i < src->ntables; i++)
		AddTable(dst, src->tables[i], src->table_rows[i]);
	for (int i = 0; i < src->norgs; i++)
		AddOrg(dst, src->orgs[i]);
	for (int i = 0; i < src->nresources; i++)
		AddResource(dst, src->resources[i]);
	for (int i = 0; i < src->nusers; i++)
		AddUser(dst, src->users[i]);
	dst->truncated |= src->truncated;
}

static void
AppendPayload(StringInfo buf, FeedSummary *s, bool lists)
{
	appendStringInfo(buf, "{\"audit_ids\": [" INT64_FORMAT ", " INT64_FORMAT "], \"rows\": " INT64_FORMAT
					 ", \"tables\": {", s->min_id, s->max_id, s->rows);
	for (int i = 0; i < s->ntables; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, ", ");
		escape_json(buf, s->tables[i]);
		appendStringInfo(buf, ": " INT64_FORMAT, s->table_rows[i]);
	}
	appendStringInfoChar(buf, '}');
	if (lists)
	{
		appendStringInfoString(buf, ", \"orgs\": [");
		for (int i = 0; i < s->norgs; i++)
			appendStringInfo(buf, "%s" INT64_FORMAT, i > 0 ? ", " : "", s->orgs[i]);
		appendStringInfoString(buf, "], \"users\": [");
		for (int i = 0; i < s->nusers; i++)
		{
			if (i > 0)
				appendStringInfoString(buf, ", ");
			escape_json(buf, s->users[i]);
		}
		appendStringInfoString(buf, "], \"resources\": [");
		for (int i = 0; i < s->nresources; i++)
			appendStringInfo(buf, "%s" INT64_FORMAT, i > 0 ? ", " : "", s->resources[i]);
		appendStringInfoChar(buf, ']');
	}
	appendStringInfo(buf, ", \"truncated\": %s}", (s->truncated || !lists) ? "true" : "false");
}

static void
FeedXactCallback(XactEvent event, void *arg)
{
	StringInfoData buf;

	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			if (feed == NULL || feed->rows == 0)
				break;
			/* subtransactions are all closed by now: feed is the top level's */
			initStringInfo(&buf);
			AppendPayload(&buf, feed, true);
			if (buf.len > FEED_MAX_PAYLOAD)
			{
				resetStringInfo(&buf);
				AppendPayload(&buf, feed, false);
			}
			Async_Notify(FEED_CHANNEL, buf.data);
			feed = NULL;
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			/* the memory goes with TopTransactionContext */
			feed = NULL;
			break;
		default:
			break;
	}
}

static void
FeedSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();

	if (feed == NULL || feed->level < level)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		/* what the rolled-back subtransaction collected is not sent */
		while (feed != NULL && feed->level >= level)
			feed = feed->parent;
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		FeedSummary *s = feed;

		if (s->parent != NULL && s->parent->level == level - 1)
		{
			MergeInto(s->parent, s);
			feed = s->parent;
		}
		else
			s->level = level - 1;
	}
}

/* the summary of the current (sub)transaction level, made on first use */
static FeedSummary *
CurrentSummary(void)
{
	int			level = GetCurrentTransactionNestLevel();

	if (!callbacks_registered)
	{
		RegisterXactCallback(FeedXactCallback, NULL);
		RegisterSubXactCallback(FeedSubXactCallback, NULL);
		callbacks_registered = true;
	}
	if (feed == NULL || feed->level < level)
		feed = NewSummary(level, feed);
	return feed;
}

/* the text or integer value of key in a jsonb object, NULL if absent */
static JsonbValue *
JsonbKey(Jsonb *j, const char *key, JsonbValue *out)
{
	if (j == NULL || !JB_ROOT_IS_OBJECT(j))
		return NULL;
	return getKeyJsonValueFromContainer(&j->root, key, strlen(key), out);
}

static void
NoteOrg(FeedSummary *s, Jsonb *row, const char *key)
{
	JsonbValue	v;

	if (JsonbKey(row, key, &v) != NULL && v.type == jbvNumeric)
		AddOrg(s, DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(v.val.numeric))));
}

static void
NoteResource(FeedSummary *s, Jsonb *row, const char *key)
{
	JsonbValue	v;

	if (JsonbKey(row, key, &v) != NULL && v.type == jbvNumeric)
		AddResource(s, DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(v.val.numeric))));
}

static void
NoteUser(FeedSummary *s, Jsonb *row, const char *key)
{
	JsonbValue	v;

	if (JsonbKey(row, key, &v) != NULL && v.type == jbvString)
		AddUser(s, pnstrdup(v.val.string.val, v.val.string.len));
}

/* the org, user and resource ids a changed row of table concerns */
static void
NoteRow(FeedSummary *s, const char *table, Jsonb *row)
{
	if (row == NULL)
		return;
	if (strcmp(table, "orgs") == 0)
	{
		NoteOrg(s, row, "id");
		NoteOrg(s, row, "parent_id");
	}
	else
		NoteOrg(s, row, "org_id");
	if (strcmp(table, "users") == 0)
		NoteUser(s, row, "id");
	else if (strcmp(table, "support_access_requests") == 0)
		NoteUser(s, row, "agent");
	else
		NoteUser(s, row, "user_id");
	if (strcmp(table, "resources") == 0)
	{
		NoteResource(s, row, "id");
		NoteResource(s, row, "parent_id");
	}
	else
		NoteResource(s, row, "resource_id");
	if (strcmp(table, "resource_grants") == 0)
		NoteOrg(s, row, "authorized_org_id");
}

/* a column of the audit log by name */
static int
AuditColumn(TupleDesc desc, const char *name)
{
	int			att = SPI_fnumber(desc, name);

	if (att <= 0)
		elog(ERROR, "access_policy: column \"%s\" missing in the audit log", name);
	return att;
}

PG_FUNCTION_INFO_V1(feed_collect);

/*
 * _feed_collect(): trigger AFTER INSERT FOR EACH ROW on the audit log; adds
 * the audit row to the transaction's summary.
 */
Datum
feed_collect(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	tuple;
	bool		isnull;
	Datum		d;
	int64		id;
	char	   *table;
	Jsonb	   *before = NULL;
	Jsonb	   *after = NULL;
	FeedSummary *s;
	MemoryContext old;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) || !TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("access_policy_internal._feed_collect() must be fired AFTER INSERT FOR EACH ROW")));
	if (strcmp(RelationGetRelationName(trigdata->tg_relation), "audit_log") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("access_policy_internal._feed_collect() cannot be fired for relation \"%s\"",
						RelationGetRelationName(trigdata->tg_relation))));
	if (IsParallelWorker())
		return PointerGetDatum(NULL);

	desc = RelationGetDescr(trigdata->tg_relation);
	tuple = trigdata->tg_trigtuple;
	d = heap_getattr(tuple, AuditColumn(desc, "id"), desc, &isnull);
	id = DatumGetInt64(d);
	d = heap_getattr(tuple, AuditColumn(desc, "target_table"), desc, &isnull);
	table = TextDatumGetCString(d);
	d = heap_getattr(tuple, AuditColumn(desc, "before"), desc, &isnull);
	if (!isnull)
		before = DatumGetJsonbP(d);
	d = heap_getattr(tuple, AuditColumn(desc, "after"), desc, &isnull);
	if (!isnull)
		after = DatumGetJsonbP(d);

	old = MemoryContextSwitchTo(TopTransactionContext);
	s = CurrentSummary();
	s->min_id = Min(s->min_id, id);
	s->max_id = Max(s->max_id, id);
	s->rows++;
	AddTable(s, table, 1);
	NoteRow(s, table, before);
	NoteRow(s, table, after);
	MemoryContextSwitchTo(old);
	return PointerGetDatum(NULL);
}
