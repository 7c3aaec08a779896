/*-------------------------------------------------------------------------
 *
 * identity.c
 *	  Who is acting: the identity set by set_user(), held in the GUC
 *	  access_policy.identity so that transaction and savepoint rollback,
 *	  transaction-local scope and parallel workers come from PostgreSQL's own
 *	  GUC machinery.  Only set_user() may change it: the check hook refuses
 *	  every other route (SET, set_config, function SET clauses, ALTER ROLE /
 *	  DATABASE SET, connection options, values set before the library was
 *	  loaded).  The trust decision is EXECUTE on set_user(), which PUBLIC does
 *	  not have.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/uuid.h"

#include "access_policy.h"

char	   *ApIdentityGuc = NULL;
uint64		ApIdentityGeneration = 1;

/* true only while set_user() / clear_user() change the setting */
static bool identity_change_allowed = false;

/*
 * CheckIdentity refuses every change that does not come from set_user(),
 * except restoring the leader's value in a parallel worker and installing the
 * built-in default.
 */
static bool
CheckIdentity(char **newval, void **extra, GucSource source)
{
	if (identity_change_allowed || InitializingParallelWorker || source == PGC_S_DEFAULT)
		return true;
	GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
	GUC_check_errmsg("access_policy.identity can only be changed by access_policy.set_user()");
	GUC_check_errhint("Call access_policy.set_user(user_id) from a role that has been granted EXECUTE on it.");
	return false;
}

/* AssignIdentity tells the cache that the acting user may have changed. */
static void
AssignIdentity(const char *newval, void *extra)
{
	ApIdentityGeneration++;
	ApNeedBegin = true;
}

void
ApDefineIdentityGuc(void)
{
	DefineCustomStringVariable("access_policy.identity",
							   "The access_policy user this session acts as.",
							   "Set only through access_policy.set_user().",
							   &ApIdentityGuc,
							   "",
							   PGC_SUSET,
							   GUC_NO_RESET_ALL | GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE,
							   CheckIdentity, AssignIdentity, NULL);
}

const char *
ApIdentityString(void)
{
	return ApIdentityGuc;
}

/* SetIdentity installs a new identity with transaction or session scope. */
static void
SetIdentity(const char *value, bool local)
{
	if (IsInParallelMode())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
				 errmsg("cannot change the access_policy identity during a parallel operation")));
	identity_change_allowed = true;
	PG_TRY();
	{
		(void) set_config_option("access_policy.identity", value,
								 PGC_SUSET, PGC_S_SESSION,
								 local ? GUC_ACTION_LOCAL : GUC_ACTION_SET,
								 true, 0, false);
	}
	PG_FINALLY();
	{
		identity_change_allowed = false;
	}
	PG_END_TRY();
}

PG_FUNCTION_INFO_V1(set_user);

/*
 * set_user(user_id text|uuid, local boolean): act as this user until the end
 * of the transaction (local) or the session.  The user need not exist: an
 * unknown user simply holds nothing.
 */
Datum
set_user(PG_FUNCTION_ARGS)
{
	char	   *value;
	bool		local = PG_ARGISNULL(1) ? true : PG_GETARG_BOOL(1);

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("user id must not be NULL"),
				 errhint("Use access_policy.clear_user() to stop acting as a user.")));

	if (get_fn_expr_argtype(fcinfo->flinfo, 0) == UUIDOID)
		value = DatumGetCString(DirectFunctionCall1(uuid_out, PG_GETARG_DATUM(0)));
	else
		value = text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (value[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("user id must not be empty")));
	if (strlen(value) > AP_MAX_USER_ID_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("user id is too long"),
				 errdetail("User ids have at most %d bytes.", AP_MAX_USER_ID_LEN)));

	SetIdentity(value, local);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(clear_user);

/* clear_user(local boolean): stop acting as any user. */
Datum
clear_user(PG_FUNCTION_ARGS)
{
	bool		local = PG_ARGISNULL(0) ? true : PG_GETARG_BOOL(0);

	SetIdentity("", local);
	PG_RETURN_VOID();
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

PG_FUNCTION_INFO_V1(outer_role);

/* outer_role(): the session's role after SET ROLE, outside SECURITY DEFINER. */
Datum
outer_role(PG_FUNCTION_ARGS)
{
	char	   *name = GetUserNameFromId(GetOuterUserId(), false);

	PG_RETURN_DATUM(DirectFunctionCall1(namein, CStringGetDatum(name)));
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
