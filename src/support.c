/*-------------------------------------------------------------------------
 *
 * support.c
 *	  Vendor support access: its settings, who may override customers'
 *	  settings, and telling the cache when the deployment's default level
 *	  changes.  The levels themselves are applied where org permissions are
 *	  derived (derive.c, ApplySupport).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "cache_state.h"
#include "support.h"

/* settings, defined in _PG_init */
int			ApSupportDefaultLevel = AP_SUPPORT_READ;
int			ApSupportOverrideMax = 86400;
char	   *ApSupportOverrideRole = NULL;

uint64		ApSupportGeneration = 1;

/*
 * ApSupportDefaultAssign: the level the check hook parsed (access_policy.c);
 * a new default level invalidates derived permissions.
 */
void
ApSupportDefaultAssign(const char *newval, void *extra)
{
	ApSupportDefaultLevel = *(int *) extra;
	ApSupportGeneration++;
	ApNeedBegin = true;
}

PG_FUNCTION_INFO_V1(is_override_role);

/*
 * is_override_role(): is the session role (outside SECURITY DEFINER) a
 * member of the role named by access_policy.support_override_role?
 */
Datum
is_override_role(PG_FUNCTION_ARGS)
{
	Oid			role;

	if (ApSupportOverrideRole == NULL || ApSupportOverrideRole[0] == '\0')
		PG_RETURN_BOOL(false);
	role = get_role_oid(ApSupportOverrideRole, true);
	if (!OidIsValid(role))
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(is_member_of_role(GetOuterUserId(), role));
}

PG_FUNCTION_INFO_V1(support_default_level);

/*
 * _support_default_level(): the default level in force, read or none, as the
 * checks apply it (a value of the setting that is neither is none).
 */
Datum
support_default_level(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(ApSupportDefaultLevel == AP_SUPPORT_READ ? "read" : "none"));
}
