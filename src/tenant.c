/*-------------------------------------------------------------------------
 *
 * tenant.c
 *	  Work on tenant-owned tables for the superuser's functions: counting and
 *	  deleting the rows of orgs in a table protected with protect_table().
 *
 * A protected table belongs to a tenant role, who can attach triggers and
 * rules to it.  Run as the superuser (inside a SECURITY DEFINER function),
 * a DELETE on it would run that code with superuser rights (the class of
 * CVE-2022-1552).  So the work runs as the table's owner, in a
 * security-restricted operation with a safe search_path, as PostgreSQL's own
 * maintenance commands (VACUUM, ANALYZE, REFRESH MATERIALIZED VIEW) do: the
 * owner's code runs with the owner's rights only.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_policy.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

/* the policy protect_table() creates; its presence marks a protected table */
#define AP_SELECT_POLICY	"access_policy_select"

/* HasPolicy: does the relation carry a policy of this name? */
static bool
HasPolicy(Oid relid, const char *polname)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key[2];
	bool		found;

	ScanKeyInit(&key[0], Anum_pg_policy_polrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	ScanKeyInit(&key[1], Anum_pg_policy_polname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum(polname));
	rel = table_open(PolicyRelationId, AccessShareLock);
	scan = systable_beginscan(rel, PolicyPolrelidPolnameIndexId, true, NULL, 2, key);
	found = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * CheckTable: is the relation still one to work on?  If not, a WARNING says
 * why and the answer is false.  The checks are made under the lock the work
 * takes, so they still hold when it runs.
 */
static bool
CheckTable(Relation rel, const char *relname, const char *colname, bool by_key, Oid *coltype)
{
	HeapTuple	atttup;
	bool		is_int8 = false;
	bool		exists = false;

	if (rel->rd_rel->relkind != RELKIND_RELATION)
	{
		ereport(WARNING,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("skipping relation %s", relname),
				 errdetail("It is not a plain table.")));
		return false;
	}
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
	{
		ereport(WARNING,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("skipping table %s", relname),
				 errdetail("It is a temporary table.")));
		return false;
	}
	atttup = SearchSysCacheAttName(RelationGetRelid(rel), colname);
	if (HeapTupleIsValid(atttup))
	{
		Form_pg_attribute att = (Form_pg_attribute) GETSTRUCT(atttup);

		exists = att->attnum > 0;
		is_int8 = att->atttypid == INT8OID;
		*coltype = att->atttypid;
		ReleaseSysCache(atttup);
	}
	if (!exists)
	{
		ereport(WARNING,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("skipping table %s", relname),
				 errdetail("Its org column \"%s\" does not exist.", colname)));
		return false;
	}
	if (!is_int8 && !by_key)
	{
		ereport(WARNING,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("skipping table %s", relname),
				 errdetail("Its org column \"%s\" is not of type bigint.", colname)));
		return false;
	}
	if (!HasPolicy(RelationGetRelid(rel), AP_SELECT_POLICY))
	{
		ereport(WARNING,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("skipping table %s", relname),
				 errdetail("It has no policy \"%s\": it is no longer protected by access_policy.", AP_SELECT_POLICY),
				 errhint("Protect it again with access_policy.protect_table(), or remove it with access_policy.unprotect_table().")));
		return false;
	}
	return true;
}

/*
 * RunAsOwner runs the query with the org ids as its one parameter, as the
 * table's owner in a security-restricted operation with search_path set to
 * pg_catalog, pg_temp; returns the row count of a DELETE or the bigint the
 * SELECT returns.  Owners are exempt from their table's row level security,
 * even when forced (SECURITY_NOFORCE_RLS, as for referential integrity
 * checks): the superuser this replaces saw every row too.
 *
 * An error inside leaves the user id and the settings to transaction (or
 * subtransaction) abort, which restores both.
 */
static int64
RunAsOwner(Oid owner, const char *query, Datum org_ids, Oid argtype, bool is_delete)
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
	Oid			argtypes[1] = {argtype};
	Datum		values[1];
	int			ret;
	int64		result = 0;

	values[0] = org_ids;
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION | SECURITY_NOFORCE_RLS);
	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args(query, 1, argtypes, values, NULL, false, 0);
	if (is_delete)
	{
		if (ret != SPI_OK_DELETE)
			elog(ERROR, "SPI_execute_with_args failed (%d): %s", ret, query);
		result = (int64) SPI_processed;
	}
	else
	{
		bool		isnull;

		if (ret != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "SPI_execute_with_args failed (%d): %s", ret, query);
		result = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	}
	SPI_finish();

	AtEOXact_GUC(false, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	return result;
}


/*
 * tenant_rows(tbl, org_column, org_ids, do_delete): the number of rows of the
 * orgs in the protected table, or with do_delete the number of rows deleted;
 * NULL, with a WARNING, for a table that is gone or no longer protected (the
 * caller skips it).  Only the table itself: inheritance children may belong
 * to other roles.  Superuser only: it reads and deletes as any table owner.
 */
static Datum
TenantRows(FunctionCallInfo fcinfo, bool by_key)
{
	Oid			relid;
	Name		colname;
	bool		do_delete;
	LOCKMODE	lockmode;
	Relation	rel;
	bool		ok;
	char	   *relname;
	Oid			owner;
	StringInfoData query;
	Oid			coltype = InvalidOid;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("arguments of access_policy_internal._tenant_rows() must not be null")));
	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to count or delete rows of tenant tables"),
				 errdetail("Only superusers may call access_policy_internal._tenant_rows().")));
	relid = PG_GETARG_OID(0);
	colname = PG_GETARG_NAME(1);
	do_delete = PG_GETARG_BOOL(3);
	lockmode = do_delete ? RowExclusiveLock : AccessShareLock;

	rel = try_relation_open(relid, lockmode);
	if (rel == NULL)
	{
		ereport(WARNING,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("skipping relation with OID %u", relid),
				 errdetail("It no longer exists.")));
		PG_RETURN_NULL();
	}
	/* a temporary table is named as its session would write it */
	relname = quote_qualified_identifier(rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP ? "pg_temp" :
										 get_namespace_name(RelationGetNamespace(rel)),
										 RelationGetRelationName(rel));
	ok = CheckTable(rel, relname, NameStr(*colname), by_key, &coltype);
	owner = rel->rd_rel->relowner;
	/* the lock stays until the end of the transaction */
	relation_close(rel, NoLock);
	if (!ok)
		PG_RETURN_NULL();

	initStringInfo(&query);
	if (by_key)
		/* the canonical text of each key, as a value of the column's type */
		appendStringInfo(&query, "%s FROM ONLY %s WHERE %s OPERATOR(pg_catalog.=) ANY ($1::%s[])",
						 do_delete ? "DELETE" : "SELECT pg_catalog.count(*)",
						 relname, quote_identifier(NameStr(*colname)), format_type_be_qualified(coltype));
	else
		appendStringInfo(&query, "%s FROM ONLY %s WHERE %s OPERATOR(pg_catalog.=) ANY ($1)",
						 do_delete ? "DELETE" : "SELECT pg_catalog.count(*)",
						 relname, quote_identifier(NameStr(*colname)));
	PG_RETURN_INT64(RunAsOwner(owner, query.data, PG_GETARG_DATUM(2),
							   by_key ? TEXTARRAYOID : INT8ARRAYOID, do_delete));
}

PG_FUNCTION_INFO_V1(tenant_rows);

Datum
tenant_rows(PG_FUNCTION_ARGS)
{
	return TenantRows(fcinfo, false);
}

PG_FUNCTION_INFO_V1(tenant_rows_by_key);

/*
 * tenant_rows_by_key(tbl, org_column, org_keys, do_delete): tenant_rows() of
 * a table protected by the application's org keys, given their canonical
 * text (0.5.0).
 */
Datum
tenant_rows_by_key(PG_FUNCTION_ARGS)
{
	return TenantRows(fcinfo, true);
}
