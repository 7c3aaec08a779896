/*-------------------------------------------------------------------------
 *
 * invitations.c
 *	  Invitation tokens: generation and constant-time comparison.
 *
 * An invitation token is '<invitation id>.<secret>'.  The secret is 32 bytes
 * from pg_strong_random(), base64url-encoded without padding (43
 * characters), and handed to the inviter once; the table keeps only its
 * SHA-256 (computed in SQL with sha256()).  Accepting fetches the row by id
 * and compares the hashes here, in time independent of where they differ.
 * The rules around tokens (who may invite, expiry, single use) live in
 * sql/team.sql.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "compat.h"

/* random bytes in a secret: 256 bits */
#define AP_SECRET_BYTES		32
/* base64url without padding: ceil(32 * 4 / 3) */
#define AP_SECRET_CHARS		43

static const char base64url_alphabet[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/*
 * Base64urlEncode writes len bytes of src as unpadded base64url into dst,
 * which has room for ((len * 4) + 2) / 3 characters and a terminator.
 */
static void
Base64urlEncode(const uint8 *src, int len, char *dst)
{
	uint32		buf = 0;
	int			bits = 0;
	int			i;
	char	   *p = dst;

	for (i = 0; i < len; i++)
	{
		buf = (buf << 8) | src[i];
		bits += 8;
		while (bits >= 6)
		{
			bits -= 6;
			*p++ = base64url_alphabet[(buf >> bits) & 0x3F];
		}
	}
	if (bits > 0)
		*p++ = base64url_alphabet[(buf << (6 - bits)) & 0x3F];
	*p = '\0';
}

PG_FUNCTION_INFO_V1(invitation_secret);

/*
 * invitation_secret(): a fresh secret for an invitation token, from the
 * operating system's strong random source; the caller stores only its hash.
 */
Datum
invitation_secret(PG_FUNCTION_ARGS)
{
	uint8		raw[AP_SECRET_BYTES];
	char		encoded[AP_SECRET_CHARS + 1];
	text	   *result;

	if (!pg_strong_random(raw, sizeof(raw)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random invitation secret")));
	Base64urlEncode(raw, sizeof(raw), encoded);
	Assert(strlen(encoded) == AP_SECRET_CHARS);
	result = cstring_to_text(encoded);

	/* scrub the stack copies; the returned text is the caller's to handle */
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(encoded, sizeof(encoded));
	PG_RETURN_TEXT_P(result);
}

PG_FUNCTION_INFO_V1(hashes_equal);

/*
 * hashes_equal(a bytea, b bytea): are two token hashes equal?  Every byte is
 * compared, whatever the first difference, so the time taken does not tell
 * how much of a guessed hash was right.  Lengths are not secret (a SHA-256
 * is always 32 bytes); different lengths are simply unequal.
 */
Datum
hashes_equal(PG_FUNCTION_ARGS)
{
	bytea	   *a = PG_GETARG_BYTEA_PP(0);
	bytea	   *b = PG_GETARG_BYTEA_PP(1);
	const uint8 *pa = (const uint8 *) VARDATA_ANY(a);
	const uint8 *pb = (const uint8 *) VARDATA_ANY(b);
	size_t		len = VARSIZE_ANY_EXHDR(a);
	volatile uint8 diff = 0;
	size_t		i;

	if (len != VARSIZE_ANY_EXHDR(b))
		PG_RETURN_BOOL(false);
	for (i = 0; i < len; i++)
		diff |= pa[i] ^ pb[i];
	PG_RETURN_BOOL(diff == 0);
}
