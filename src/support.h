/*-------------------------------------------------------------------------
 *
 * support.h
 *	  Vendor support access: its levels and settings (support.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef AP_SUPPORT_H
#define AP_SUPPORT_H

/* support access levels, in increasing order */
#define AP_SUPPORT_NONE		0
#define AP_SUPPORT_READ		1
#define AP_SUPPORT_WRITE	2

/* settings, defined in _PG_init */
extern int	ApSupportDefaultLevel;
extern int	ApSupportOverrideMax;
extern char *ApSupportOverrideRole;

/* a new value for each change of ApSupportDefaultLevel */
extern uint64 ApSupportGeneration;
extern void ApSupportDefaultAssign(const char *newval, void *extra);

#endif							/* AP_SUPPORT_H */
