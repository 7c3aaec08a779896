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
 *	  The cache asks for the identity (ApIdentityString, ApJwtRefresh); this
 *	  file calls nothing of the cache and tells it of a change only through
 *	  the callback it registered (ApRegisterIdentityCallback).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "common/jsonapi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/uuid.h"

#include "compat.h"
#include "identity.h"
#include "identity_token.h"

StaticAssertDecl(AP_TOKEN_MAX_USER_LEN == AP_MAX_USER_ID_LEN,
				 "a token carries every user id set_user() accepts");

char	   *ApIdentityGuc = NULL;
uint64		ApIdentityGeneration = 1;

/* true only while set_user() / clear_user() change the setting */
static bool identity_change_allowed = false;

/* the cache's callback (ApRegisterIdentityCallback), NULL until it registers */
static ApIdentityCallback identity_callback = NULL;

/* ApRegisterIdentityCallback: call callback whenever the identity may change. */
void
ApRegisterIdentityCallback(ApIdentityCallback callback)
{
	identity_callback = callback;
}

/* NotifyIdentityChange tells the registered callback, if any. */
static void
NotifyIdentityChange(void)
{
	if (identity_callback != NULL)
		identity_callback();
}

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

/* ApIdentitySettingChanged: a setting the identity depends on changed. */
void
ApIdentitySettingChanged(void)
{
	ApIdentityGeneration++;
	NotifyIdentityChange();
}

/* AssignIdentity tells the cache that the acting user may have changed. */
static void
AssignIdentity(const char *newval, void *extra)
{
	ApIdentityGeneration++;
	NotifyIdentityChange();
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

/* ---------- identity from PostgREST's JWT claims (opt-in) ---------- */

bool		ApIdentityFromJwt = false;
char	   *ApJwtClaim = NULL;

/*
 * The claims text last looked at and the identity found in it, both in
 * TopMemoryContext; jwt_valid is false until the claims are looked at again
 * (a setting changed).  request.jwt.claims is parsed only when its text
 * changes -- PostgREST sets it once per transaction -- never per row.
 */
static bool jwt_valid = false;
static char *jwt_claims_seen = NULL;
static char *jwt_identity = NULL;

/* the settings changed: look again, and tell the cache the identity may have */
static void
AssignJwtSetting(void)
{
	jwt_valid = false;
	ApIdentityGeneration++;
	NotifyIdentityChange();
}

static void
AssignIdentityFromJwt(bool newval, void *extra)
{
	AssignJwtSetting();
}

static void
AssignJwtClaim(const char *newval, void *extra)
{
	AssignJwtSetting();
}

static bool
CheckJwtClaim(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || (*newval)[0] == '\0' || strlen(*newval) >= NAMEDATALEN)
	{
		GUC_check_errdetail("access_policy.jwt_claim must name a claim (1 to %d bytes).", NAMEDATALEN - 1);
		return false;
	}
	return true;
}

/* what the JSON parser's callbacks return, and its lexer (compat.h) */
typedef AP_JSON_ACTION_RESULT ClaimResult;
#define CLAIM_DONE AP_JSON_ACTION_DONE
#define ClaimLexer(json, len) makeJsonLexContextCstringLen_compat((json), (len), GetDatabaseEncoding(), true)

/* A parse of the claims that keeps the string value of one top-level key. */
typedef struct ClaimParse
{
	const char *want;
	int			depth;
	bool		at_claim;		/* the value that follows belongs to the claim */
	char	   *value;			/* its string value, or NULL */
	bool		not_string;		/* the claim is there but not a string */
} ClaimParse;

static ClaimResult
ClaimObjectStart(void *state)
{
	((ClaimParse *) state)->depth++;
	return CLAIM_DONE;
}

static ClaimResult
ClaimObjectEnd(void *state)
{
	((ClaimParse *) state)->depth--;
	return CLAIM_DONE;
}

static ClaimResult
ClaimArrayStart(void *state)
{
	ClaimParse *p = (ClaimParse *) state;

	if (p->at_claim)
		p->not_string = true;
	p->at_claim = false;
	p->depth++;
	return CLAIM_DONE;
}

static ClaimResult
ClaimArrayEnd(void *state)
{
	((ClaimParse *) state)->depth--;
	return CLAIM_DONE;
}

static ClaimResult
ClaimFieldStart(void *state, char *fname, bool isnull)
{
	ClaimParse *p = (ClaimParse *) state;

	/* a nested object as the claim's value is not a string either */
	if (p->at_claim)
		p->not_string = true;
	p->at_claim = (p->depth == 1 && fname != NULL && strcmp(fname, p->want) == 0);
	return CLAIM_DONE;
}

static ClaimResult
ClaimScalar(void *state, char *token, JsonTokenType tokentype)
{
	ClaimParse *p = (ClaimParse *) state;

	if (!p->at_claim)
		return CLAIM_DONE;
	p->at_claim = false;
	if (tokentype == JSON_TOKEN_STRING && token != NULL)
	{
		if (p->value)
			pfree(p->value);
		p->value = pstrdup(token);	/* a duplicate key: the last one wins, as in jsonb */
		p->not_string = false;
	}
	else
		p->not_string = true;
	return CLAIM_DONE;
}

/*
 * ClaimFromJson: the string value of the top-level key want, or NULL when the
 * text is not a JSON object, the key is missing, or its value is not a
 * non-empty string of at most AP_MAX_USER_ID_LEN bytes.  Never throws for bad
 * input: bad claims mean nobody is acting.
 */
static char *
ClaimFromJson(const char *json, const char *want)
{
	JsonLexContext *lex;
	JsonSemAction sem;
	ClaimParse	p;
	char	   *copy = pstrdup(json);

	memset(&p, 0, sizeof(p));
	p.want = want;
	memset(&sem, 0, sizeof(sem));
	sem.semstate = &p;
	sem.object_start = ClaimObjectStart;
	sem.object_end = ClaimObjectEnd;
	sem.array_start = ClaimArrayStart;
	sem.array_end = ClaimArrayEnd;
	sem.object_field_start = ClaimFieldStart;
	sem.scalar = ClaimScalar;
	lex = ClaimLexer(copy, strlen(copy));
	/* only an object at the top level has claims */
	if (pg_parse_json(lex, &sem) != JSON_SUCCESS || copy[strspn(copy, " \t\r\n")] != '{')
		return NULL;
	if (p.value == NULL || p.not_string || p.value[0] == '\0' || strlen(p.value) > AP_MAX_USER_ID_LEN)
		return NULL;
	return p.value;
}

/*
 * ApJwtRefresh: with access_policy.identity_from_jwt on, read
 * request.jwt.claims and find the identity in it when the text changed since
 * the last statement.  Called at the start of every statement's first check.
 */
void
ApJwtRefresh(void)
{
	const char *claims;
	char	   *found = NULL;

	if (!ApIdentityFromJwt)
	{
		if (jwt_identity != NULL)
		{
			pfree(jwt_identity);
			jwt_identity = NULL;
			ApIdentityGeneration++;
		}
		jwt_valid = false;
		return;
	}
	claims = GetConfigOption("request.jwt.claims", true, false);
	if (claims != NULL && claims[0] == '\0')
		claims = NULL;
	if (jwt_valid &&
		((claims == NULL && jwt_claims_seen == NULL) ||
		 (claims != NULL && jwt_claims_seen != NULL && strcmp(claims, jwt_claims_seen) == 0)))
		return;

	if (claims != NULL && ApJwtClaim != NULL)
		found = ClaimFromJson(claims, ApJwtClaim);

	if (jwt_claims_seen)
		pfree(jwt_claims_seen);
	jwt_claims_seen = claims ? MemoryContextStrdup(TopMemoryContext, claims) : NULL;
	if ((found == NULL) != (jwt_identity == NULL) ||
		(found != NULL && strcmp(found, jwt_identity) != 0))
	{
		if (jwt_identity)
			pfree(jwt_identity);
		jwt_identity = found ? MemoryContextStrdup(TopMemoryContext, found) : NULL;
		ApIdentityGeneration++;
	}
	jwt_valid = true;
}

void
ApDefineJwtGucs(void)
{
	DefineCustomBoolVariable("access_policy.identity_from_jwt",
							 "Take the acting user from PostgREST's request.jwt.claims when set_user() set none.",
							 "Safe only where clients cannot run SQL of their own (they could set request.jwt.claims).",
							 &ApIdentityFromJwt,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, AssignIdentityFromJwt, NULL);
	DefineCustomStringVariable("access_policy.jwt_claim",
							   "The JWT claim that holds the user id (access_policy.identity_from_jwt).",
							   NULL,
							   &ApJwtClaim,
							   "sub",
							   PGC_SUSET,
							   0,
							   CheckJwtClaim, AssignJwtClaim, NULL);
}

/*
 * ApIdentityString: who set_user() says is acting; else, when enabled, the
 * user named by the JWT claims; else "".
 */
const char *
ApIdentityString(void)
{
	const char *token_user;

	if (ApIdentityGuc != NULL && ApIdentityGuc[0] != '\0')
		return ApIdentityGuc;
	/* on a Citus worker: the user set_user() signed on the coordinator */
	token_user = ApTokenUser();
	if (token_user != NULL)
		return token_user;
	if (ApIdentityFromJwt && jwt_identity != NULL)
		return jwt_identity;
	return "";
}

/*
 * SetIdentity installs a new identity with transaction or session scope.
 * Transaction scope outside a transaction block ends with the statement:
 * like SET LOCAL, that is allowed but said (a WARNING), since the next
 * statement runs as whoever acted before.
 */
static void
SetIdentity(const char *value, bool local, const char *fn)
{
	if (IsInParallelMode())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
				 errmsg("cannot change the access_policy identity during a parallel operation")));
	if (local && !IsTransactionBlock())
		ereport(WARNING,
				(errcode(ERRCODE_NO_ACTIVE_SQL_TRANSACTION),
				 errmsg("access_policy.%s() outside a transaction block lasts for this statement only", fn),
				 errhint("Call it after BEGIN, as the first statement of the transaction: it lasts until the transaction ends.")));
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
	/* the other nodes of a Citus cluster: the transaction's identity only */
	ApPropagateIdentity(local ? value : "");
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

	SetIdentity(value, local, "set_user");
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(clear_user);

/* clear_user(local boolean): stop acting as any user. */
Datum
clear_user(PG_FUNCTION_ARGS)
{
	bool		local = PG_ARGISNULL(0) ? true : PG_GETARG_BOOL(0);

	SetIdentity("", local, "clear_user");
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(outer_role);

/* outer_role(): the session's role after SET ROLE, outside SECURITY DEFINER. */
Datum
outer_role(PG_FUNCTION_ARGS)
{
	char	   *name = GetUserNameFromId(GetOuterUserId(), false);

	PG_RETURN_DATUM(DirectFunctionCall1(namein, CStringGetDatum(name)));
}
