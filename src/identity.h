/*-------------------------------------------------------------------------
 *
 * identity.h
 *	  Who is acting: the identity set by set_user() or taken from the JWT
 *	  claims (identity.c).  The cache asks; identity.c calls nothing of it,
 *	  and tells it of a change only through the callback it registers.
 *
 *-------------------------------------------------------------------------
 */
#ifndef AP_IDENTITY_H
#define AP_IDENTITY_H

#define AP_MAX_USER_ID_LEN	256

extern char *ApIdentityGuc;
extern uint64 ApIdentityGeneration;
extern void ApDefineIdentityGuc(void);
extern const char *ApIdentityString(void);
extern bool ApIdentityFromJwt;
extern char *ApJwtClaim;
extern void ApDefineJwtGucs(void);
extern void ApJwtRefresh(void);
extern void ApIdentitySettingChanged(void);

/*
 * Called when a setting changed, so that the identity may have (the
 * generation changed too): the cache registers one to close its fast path.
 */
typedef void (*ApIdentityCallback) (void);
extern void ApRegisterIdentityCallback(ApIdentityCallback callback);

#endif							/* AP_IDENTITY_H */
