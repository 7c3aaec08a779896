/*-------------------------------------------------------------------------
 *
 * identity_token.h
 *	  The signed identity that carries the acting user to the other nodes of
 *	  a Citus cluster (identity_token.c).  It calls nothing of identity.c:
 *	  a change of the token in force is told through the callback given to
 *	  ApDefineTokenGucs.
 *
 *-------------------------------------------------------------------------
 */
#ifndef AP_IDENTITY_TOKEN_H
#define AP_IDENTITY_TOKEN_H

#include "datatype/timestamp.h"

/* the longest user id a token carries (as set_user() accepts) */
#define AP_TOKEN_MAX_USER_LEN	256

extern void ApDefineTokenGucs(void (*changed) (void));
extern const char *ApTokenUser(void);
extern void ApTokenRefresh(TimestampTz now);
extern void ApPropagateIdentity(const char *user);

#endif							/* AP_IDENTITY_TOKEN_H */
