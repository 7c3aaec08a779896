/*-------------------------------------------------------------------------
 *
 * access_policy.c
 *	  Module entry point: settings, the identity setting and the cache hooks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "access_policy.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static char *audit_reason = NULL;

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
	ApDefineIdentityGuc();
	MarkGUCPrefixReserved("access_policy");
	ApCacheInit();
}
