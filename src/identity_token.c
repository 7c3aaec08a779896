/*-------------------------------------------------------------------------
 *
 * identity_token.c
 *	  The acting user on the other nodes of a Citus cluster: a signed token.
 *
 *	  With access_policy.identity_key set (the same secret on every node,
 *	  readable by superusers only), a transaction-scoped set_user() or
 *	  clear_user() inside a transaction block also runs
 *	  SET LOCAL access_policy.identity_token = '<token>', which Citus carries
 *	  to every worker connection of the transaction
 *	  (citus.propagate_set_commands = 'local').  The token is
 *
 *	    v1:<hex user>:<hex role>:<expiry>:<nonce>:<HMAC-SHA256>
 *
 *	  signed over everything before the MAC with the key.  The check hook of
 *	  the setting verifies it on every node: the MAC, the database role the
 *	  session runs as (a token minted for one role is worthless to another)
 *	  and the expiry (access_policy.identity_token_lifetime after minting);
 *	  anything else is refused with an error.  Once accepted, the token's
 *	  user acts wherever access_policy.identity is empty, until the token
 *	  expires (ApTokenRefresh, at every statement) or the transaction ends.
 *	  Nothing else sets the token: a session-scoped identity, a statement
 *	  outside a transaction block and claims-based identity reach no other
 *	  node, and the workers answer as nobody.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "common/hmac.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "identity_token.h"

/* the shortest key accepted: 32 bytes, a SHA-256 block's worth of entropy at best */
#define AP_MIN_KEY_LEN		32
#define AP_NONCE_LEN		16

static char *identity_key = NULL;

/* told when the token in force changes (the identity may have) */
static void (*token_changed) (void) = NULL;
static int	token_lifetime = 300;
static char *token_guc = NULL;

/* what the check hook found in the token in force (GUC "extra") */
typedef struct TokenExtra
{
	TimestampTz expires;
	char		user[FLEXIBLE_ARRAY_MEMBER];
} TokenExtra;

/* the token in force, NULL if none; expired once its time has passed */
static TokenExtra *token_in_force = NULL;
static bool token_expired = false;

/* Hex: append data as lower-case hex (PostgreSQL's hex_encode) */
static void
Hex(StringInfo buf, const unsigned char *data, size_t len)
{
	enlargeStringInfo(buf, len * 2);
	buf->len += hex_encode((const char *) data, len, buf->data + buf->len);
	buf->data[buf->len] = '\0';
}

/* Unhex: decode hex text into buf; false if it is not hex */
static bool
Unhex(const char *hex, size_t len, StringInfo buf)
{
	if (len % 2 != 0)
		return false;
	for (size_t i = 0; i < len; i += 2)
	{
		int			v = 0;

		for (int j = 0; j < 2; j++)
		{
			char		c = hex[i + j];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= c - '0';
			else if (c >= 'a' && c <= 'f')
				v |= c - 'a' + 10;
			else
				return false;
		}
		appendStringInfoChar(buf, (char) v);
	}
	return true;
}

/*
 * Mac: HMAC-SHA256 of data with the key, as hex into out.  The OpenSSL
 * implementation registers with the current resource owner, which a check
 * hook may run without: a temporary one then.
 */
static bool
Mac(const char *data, size_t len, StringInfo out)
{
	ResourceOwner saved = CurrentResourceOwner;
	ResourceOwner temp = NULL;
	pg_hmac_ctx *ctx;
	uint8		mac[PG_SHA256_DIGEST_LENGTH];
	bool		ok;

	if (CurrentResourceOwner == NULL)
		CurrentResourceOwner = temp = ResourceOwnerCreate(NULL, "access_policy identity token");
	ctx = pg_hmac_create(PG_SHA256);
	ok = ctx != NULL &&
		pg_hmac_init(ctx, (const uint8 *) identity_key, strlen(identity_key)) == 0 &&
		pg_hmac_update(ctx, (const uint8 *) data, len) == 0 &&
		pg_hmac_final(ctx, mac, sizeof(mac)) == 0;
	pg_hmac_free(ctx);
	if (temp != NULL)
	{
		CurrentResourceOwner = saved;
		ResourceOwnerRelease(temp, RESOURCE_RELEASE_BEFORE_LOCKS, false, true);
		ResourceOwnerRelease(temp, RESOURCE_RELEASE_LOCKS, false, true);
		ResourceOwnerRelease(temp, RESOURCE_RELEASE_AFTER_LOCKS, false, true);
		ResourceOwnerDelete(temp);
	}
	if (ok)
		Hex(out, mac, sizeof(mac));
	return ok;
}

static bool
KeySet(void)
{
	return identity_key != NULL && identity_key[0] != '\0';
}

/* MintToken: a token for user, acting as the current database role */
static char *
MintToken(const char *user)
{
	StringInfoData buf;
	unsigned char nonce[AP_NONCE_LEN];
	const char *role = GetUserNameFromId(GetUserId(), false);

	if (!pg_strong_random(nonce, sizeof(nonce)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random nonce for the access_policy identity token")));
	initStringInfo(&buf);
	appendStringInfoString(&buf, "v1:");
	Hex(&buf, (const unsigned char *) user, strlen(user));
	appendStringInfoChar(&buf, ':');
	Hex(&buf, (const unsigned char *) role, strlen(role));
	appendStringInfo(&buf, ":" INT64_FORMAT ":",
					 (int64) (GetCurrentTimestamp() + (TimestampTz) token_lifetime * USECS_PER_SEC));
	Hex(&buf, nonce, sizeof(nonce));
	appendStringInfoChar(&buf, ':');
	if (!Mac(buf.data, buf.len, &buf))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not sign the access_policy identity token")));
	return buf.data;
}

/* TokenRefused: say why the check hook refuses a token */
static bool
TokenRefused(const char *why, const char *hint)
{
	GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
	GUC_check_errmsg("access_policy.identity_token refused: %s", why);
	if (hint)
		GUC_check_errhint("%s", hint);
	return false;
}

/*
 * CheckToken verifies a token before it is set.  Restoring the leader's
 * value in a parallel worker is trusted (the leader verified it; the key
 * may not be restored yet); the built-in default (empty) always passes.
 */
static bool
CheckToken(char **newval, void **extra, GucSource source)
{
	const char *tok = *newval;
	const char *field[6];
	size_t		flen[6];
	int			n = 0;
	const char *p = tok;
	StringInfoData user;
	StringInfoData role;
	StringInfoData mac;
	char	   *end;
	int64		expires;
	TokenExtra *result;
	bool		parallel = InitializingParallelWorker;

	if (tok == NULL || tok[0] == '\0')
		return true;
	if (source != PGC_S_SESSION && !parallel)
		return TokenRefused("it can only be set with SET LOCAL in a transaction",
							"access_policy.set_user() sets it where access_policy.identity_key is set.");
	if (!KeySet() && !parallel)
		return TokenRefused("access_policy.identity_key is not set on this node",
							"Set the same access_policy.identity_key on every node of the cluster.");
	/* split into exactly six fields */
	while (n < 6)
	{
		const char *colon = strchr(p, ':');

		field[n] = p;
		flen[n] = colon ? (size_t) (colon - p) : strlen(p);
		n++;
		if (colon == NULL)
			break;
		p = colon + 1;
	}
	if (n != 6 || strchr(field[5], ':') != NULL || flen[0] != 2 || strncmp(field[0], "v1", 2) != 0)
		return TokenRefused("malformed token", NULL);
	initStringInfo(&user);
	initStringInfo(&role);
	if (!Unhex(field[1], flen[1], &user) || !Unhex(field[2], flen[2], &role) ||
		user.len == 0 || user.len > AP_TOKEN_MAX_USER_LEN || memchr(user.data, '\0', user.len) != NULL)
		return TokenRefused("malformed token", NULL);
	errno = 0;
	expires = strtoi64(field[3], &end, 10);
	if (errno != 0 || end != field[3] + flen[3] || flen[3] == 0)
		return TokenRefused("malformed token", NULL);
	if (!parallel)
	{
		size_t		maclen = field[5] - tok;	/* everything before the MAC */
		int			diff = 0;

		initStringInfo(&mac);
		if (!Mac(tok, maclen, &mac))
			return TokenRefused("it could not be verified", NULL);
		/* compared in constant time */
		if ((size_t) mac.len != flen[5])
			return TokenRefused("bad signature", "Tokens are made by access_policy.set_user() on a node with the same access_policy.identity_key.");
		for (int i = 0; i < mac.len; i++)
			diff |= mac.data[i] ^ field[5][i];
		if (diff != 0)
			return TokenRefused("bad signature", "Tokens are made by access_policy.set_user() on a node with the same access_policy.identity_key.");
		if (strcmp(role.data, GetUserNameFromId(GetUserId(), false)) != 0)
			return TokenRefused("it was made for another database role", NULL);
		if ((TimestampTz) expires <= GetCurrentTimestamp())
			return TokenRefused("it has expired",
								"Tokens last access_policy.identity_token_lifetime; call access_policy.set_user() again.");
	}
	result = malloc(offsetof(TokenExtra, user) + user.len + 1);
	if (result == NULL)
		return TokenRefused("out of memory", NULL);
	result->expires = (TimestampTz) expires;
	memcpy(result->user, user.data, user.len + 1);
	*extra = result;
	return true;
}

static void
AssignToken(const char *newval, void *extra)
{
	token_in_force = (TokenExtra *) extra;
	token_expired = false;
	if (token_changed != NULL)
		token_changed();
}

static bool
CheckKey(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || (*newval)[0] == '\0' || strlen(*newval) >= AP_MIN_KEY_LEN)
		return true;
	GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
	GUC_check_errmsg("access_policy.identity_key must be empty or at least %d bytes long", AP_MIN_KEY_LEN);
	return false;
}

void
ApDefineTokenGucs(void (*changed) (void))
{
	token_changed = changed;
	DefineCustomStringVariable("access_policy.identity_key",
							   "The secret that signs the acting user for the other nodes of a Citus cluster.",
							   "The same on every node; empty: no identity token.",
							   &identity_key,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
							   CheckKey, NULL, NULL);
	DefineCustomIntVariable("access_policy.identity_token_lifetime",
							"How long an identity token made by set_user() is accepted.",
							NULL,
							&token_lifetime,
							300, 1, 86400,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomStringVariable("access_policy.identity_token",
							   "The signed acting user a Citus worker acts as (set by set_user()).",
							   "Verified against access_policy.identity_key when set.",
							   &token_guc,
							   "",
							   PGC_USERSET,
							   GUC_NO_RESET_ALL | GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE,
							   CheckToken, AssignToken, NULL);
}

/* ApTokenUser: the user of the token in force, NULL if none or expired */
const char *
ApTokenUser(void)
{
	if (token_in_force == NULL || token_expired)
		return NULL;
	return token_in_force->user;
}

/* ApTokenRefresh: at each statement, retire a token whose time has passed */
void
ApTokenRefresh(TimestampTz now)
{
	if (token_in_force != NULL && !token_expired && token_in_force->expires <= now)
	{
		token_expired = true;
		if (token_changed != NULL)
			token_changed();
	}
}

/*
 * ApPropagateIdentity: with a key, carry the new transaction-scoped identity
 * (user, or "" for none) to the other nodes: SET LOCAL, which Citus sends to
 * every worker connection of this transaction.  Outside a transaction block
 * nothing is carried (the statement is its own transaction).
 */
void
ApPropagateIdentity(const char *user)
{
	StringInfoData sql;

	if (!KeySet() || !IsTransactionBlock())
		return;
	if (user[0] == '\0' && (token_guc == NULL || token_guc[0] == '\0'))
		return;
	initStringInfo(&sql);
	appendStringInfo(&sql, "SET LOCAL access_policy.identity_token = %s",
					 quote_literal_cstr(user[0] == '\0' ? "" : MintToken(user)));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(sql.data, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not set access_policy.identity_token");
	SPI_finish();
}
