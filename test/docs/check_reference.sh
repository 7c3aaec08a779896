#!/usr/bin/env bash
# test/docs/check_reference.sh -- docs/reference.md names everything the
# extension offers: every function and view of the API schema (from the
# install script's parts in sql/), every setting (from the C code's
# DefineCustom*Variable calls) and every SQLSTATE the extension raises itself
# (RAISE ... ERRCODE in the parts, errcode(ERRCODE_...) in src/, mapped to
# their five characters through PostgreSQL's utils/errcodes.h).
#
# Usage: test/docs/check_reference.sh   (PG_CONFIG: the pg_config to use)
# Exit status: 0 when nothing is missing, 1 with the list of what is.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
REF=$ROOT/docs/reference.md
ERRCODES=$("${PG_CONFIG:-pg_config}" --includedir-server)/utils/errcodes.h
[ -r "$ERRCODES" ] || { echo "check_reference: $ERRCODES not found (set PG_CONFIG)"; exit 2; }
PARTS=$(ls "$ROOT"/sql/access_policy*.sql | grep -v -- '--')
missing=()

# functions and views of the API schema: `name(` or `name` in the reference
for name in $(sed -n 's/^CREATE \(FUNCTION\|VIEW\) @extschema@\.\([a-z0-9_]*\).*/\2/p' $PARTS | sort -u); do
	grep -q -e "\`$name(" -e "\`$name\`" -e "[ (]$name(" "$REF" || missing+=("function or view $name")
done

# settings
for name in $(grep -ho 'DefineCustom[A-Za-z]*Variable("access_policy\.[a-z_]*"' "$ROOT"/src/*.c |
			  sed 's/.*"access_policy\.\([a-z_]*\)"/\1/' | sort -u); do
	grep -q "access_policy\.$name" "$REF" || missing+=("setting access_policy.$name")
done

# SQLSTATEs: condition names (PL/pgSQL) and ERRCODE_ macros (C) to codes
sqlstate() {
	local macro=ERRCODE_${1^^}
	# the PL/pgSQL names that differ from their macro's
	case $1 in serialization_failure) macro=ERRCODE_T_R_SERIALIZATION_FAILURE ;; esac
	sed -n "s/^#define $macro MAKE_SQLSTATE('\(.\)','\(.\)','\(.\)','\(.\)','\(.\)').*/\1\2\3\4\5/p" "$ERRCODES"
}
conditions=$( { grep -ho "ERRCODE *= *'[a-z_]*'" $PARTS | sed "s/.*'\(.*\)'/\1/";
				grep -ho "errcode(ERRCODE_[A-Z0-9_]*)" "$ROOT"/src/*.c | sed 's/errcode(ERRCODE_\(.*\))/\L\1/'; } |
			  grep -vx 'internal_error' | sort -u)
n_codes=0
for c in $conditions; do
	code=$(sqlstate "$c")
	if [ -z "$code" ]; then
		missing+=("condition $c (not in errcodes.h)")
		continue
	fi
	n_codes=$((n_codes + 1))
	grep -q "\`$code\`" "$REF" || missing+=("SQLSTATE $code ($c)")
done
for code in $(grep -ho "ERRCODE *= *'[0-9A-Z]\{5\}'" $PARTS | sed "s/.*'\(.*\)'/\1/" | sort -u); do
	n_codes=$((n_codes + 1))
	grep -q "\`$code\`" "$REF" || missing+=("SQLSTATE $code")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "check_reference: docs/reference.md does not name:"
	printf '  %s\n' "${missing[@]}"
	exit 1
fi
echo "check_reference: docs/reference.md names every function, view, setting and the $n_codes SQLSTATE conditions raised"
