/*-------------------------------------------------------------------------
 *
 * access_policy.c
 *	  Module entry point: settings, the identity setting and the cache hooks.
 *	  A setting that another file reads has its variable there (support.c,
 *	  identity.c); the others are kept here.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "cache.h"
#include "compat.h"
#include "identity.h"
#include "identity_token.h"
#include "support.h"

/* since PostgreSQL 18 the library also says its name and version (pg_get_loaded_modules()) */
#ifdef PG_MODULE_MAGIC_EXT
PG_MODULE_MAGIC_EXT(.name = "access_policy", .version = AP_VERSION);
#else
PG_MODULE_MAGIC;
#endif

void		_PG_init(void);

static char *audit_reason = NULL;

int			ApInvitationLifetime = 86400;
/* how long a support access request can be decided (read by SQL) */
static int	ApSupportRequestLifetime = 72 * 3600;
int			ApAuditRetention = 0;
int			ApInvitationRetention = 30 * 86400;
static int	ApSupportActivityRetention = 0;

/*
 * support_default_level is a security setting and fails closed.  A value
 * that is neither read nor none is refused where PostgreSQL can refuse it
 * (SET, ALTER SYSTEM, ALTER DATABASE ... SET with the library loaded).  A
 * value it could not check -- set before the library was loaded, so kept
 * as a placeholder and applied while _PG_init() defines the setting --
 * means none, with a WARNING; an enum setting would fall back to its
 * default, read, and open every org to support staff because of a typo.
 */
static char *support_default_level_string = NULL;
static bool defining_support_default_level = false;

static bool
check_support_default_level(char **newval, void **extra, GucSource source)
{
	int			level;
	int		   *result;

	if (pg_strcasecmp(*newval, "read") == 0)
		level = AP_SUPPORT_READ;
	else if (pg_strcasecmp(*newval, "none") == 0)
		level = AP_SUPPORT_NONE;
	else if (!defining_support_default_level)
	{
		GUC_check_errdetail("Valid values are \"read\" and \"none\".");
		return false;
	}
	else
	{
		ereport(WARNING,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for parameter \"access_policy.support_default_level\": \"%s\"", *newval),
				 errdetail("Support access of orgs with no setting of their own is none until it is corrected."),
				 errhint("Valid values are \"read\" and \"none\".")));
		level = AP_SUPPORT_NONE;
	}
	result = (int *) ap_guc_malloc(sizeof(int));
	if (result == NULL)
		return false;
	*result = level;
	*extra = result;
	return true;
}

/* audit_retention: 0 (keep forever) or at least an hour */
static bool
check_audit_retention(int *newval, void **extra, GucSource source)
{
	if (*newval != 0 && *newval < 3600)
	{
		GUC_check_errdetail("access_policy.audit_retention must be 0 (keep the audit log forever) or at least 1 hour.");
		return false;
	}
	return true;
}

/* support_activity_retention: the same rule */
static bool
check_support_activity_retention(int *newval, void **extra, GucSource source)
{
	if (*newval != 0 && *newval < 3600)
	{
		GUC_check_errdetail("access_policy.support_activity_retention must be 0 (keep the support activity log forever) or at least 1 hour.");
		return false;
	}
	return true;
}

/*
 * _PG_init defines the settings (sorted), reserves the prefix so that no
 * placeholder can stand in for them, and registers the cache callbacks.
 */
void
_PG_init(void)
{
	DefineCustomStringVariable("access_policy.audit_reason",
							   "Reason recorded with the audit rows of policy changes.",
							   "Administration functions set it from their reason argument; "
							   "SET LOCAL it to annotate direct changes.",
							   &audit_reason,
							   "",
							   PGC_USERSET,
							   GUC_NOT_IN_SAMPLE,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("access_policy.audit_retention",
							"How long audit rows are kept; access_policy.housekeeping() deletes older ones.",
							"0 keeps the audit log forever.",
							&ApAuditRetention,
							0, 0, INT_MAX,
							PGC_SUSET,
							GUC_UNIT_S,
							check_audit_retention, NULL, NULL);
	ApDefineIdentityGuc();
	ApDefineJwtGucs();
	ApDefineTokenGucs(ApIdentitySettingChanged);
	DefineCustomIntVariable("access_policy.invitation_lifetime",
							"How long an invitation can be accepted after it was sent.",
							NULL,
							&ApInvitationLifetime,
							86400, 60, 30 * 86400,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomIntVariable("access_policy.support_activity_retention",
							"How long support activity entries are kept; access_policy.housekeeping() deletes older ones.",
							"0 keeps the support activity log forever.",
							&ApSupportActivityRetention,
							0, 0, INT_MAX,
							PGC_SUSET,
							GUC_UNIT_S,
							check_support_activity_retention, NULL, NULL);
	DefineCustomIntVariable("access_policy.support_request_lifetime",
							"How long a support access request can be approved or denied after it was made.",
							"A request nobody answered by then has expired.",
							&ApSupportRequestLifetime,
							72 * 3600, 60, 30 * 86400,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomIntVariable("access_policy.invitation_retention",
							"How long ended invitations (expired, accepted or revoked) are kept.",
							"access_policy.housekeeping() deletes invitations that ended longer ago.",
							&ApInvitationRetention,
							30 * 86400, 0, INT_MAX,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);
	defining_support_default_level = true;
	DefineCustomStringVariable("access_policy.support_default_level",
							   "Support access level of orgs with no setting of their own: read or none.",
							   "A value that is neither means none (fail closed).",
							   &support_default_level_string,
							   "read",
							   PGC_SUSET,
							   0,
							   check_support_default_level, ApSupportDefaultAssign, NULL);
	defining_support_default_level = false;
	DefineCustomIntVariable("access_policy.support_override_max",
							"Longest support access override the vendor may set.",
							NULL,
							&ApSupportOverrideMax,
							86400, 60, 365 * 86400,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomStringVariable("access_policy.support_override_role",
							   "PostgreSQL role whose members may override customers' support access settings.",
							   NULL,
							   &ApSupportOverrideRole,
							   "access_policy_support_override",
							   PGC_SUSET,
							   0,
							   NULL, NULL, NULL);
	MarkGUCPrefixReserved("access_policy");
	ApCacheInit();
}

PG_FUNCTION_INFO_V1(retention_seconds);

/*
 * _retention_seconds('audit' | 'invitation' | 'support_activity'): the retention settings in
 * seconds, for housekeeping() (calling into the library also makes sure the
 * settings are defined, whatever the session did before).
 */
Datum
retention_seconds(PG_FUNCTION_ARGS)
{
	char	   *which = text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (strcmp(which, "audit") == 0)
		PG_RETURN_INT32(ApAuditRetention);
	if (strcmp(which, "invitation") == 0)
		PG_RETURN_INT32(ApInvitationRetention);
	if (strcmp(which, "support_activity") == 0)
		PG_RETURN_INT32(ApSupportActivityRetention);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown retention \"%s\"", which),
			 errhint("Use \"audit\", \"invitation\" or \"support_activity\".")));
	PG_RETURN_NULL();
}
