/*-------------------------------------------------------------------------
 *
 * invitations.c
 *	  Invitation tokens: generation and constant-time comparison.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access_policy.h"
