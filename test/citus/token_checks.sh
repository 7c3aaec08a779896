# test/citus/token_checks.sh -- the checks of the signed identity token
# (src/identity_token.c), sourced by the suites citus (minted on the
# coordinator, verified on a worker) and identity-token (one node).  Expects:
# ok/not_ok; mint ARGS and verify ARGS (psql as the caller's -U ...);
# lifetime "SET ..." | "RESET ..." (ALTER SYSTEM on every node, reloaded);
# roles citus_app and citus_other with the application's grants and a user
# u01.  The node where the token is verified has no identity of its own.

token=$(mint -U citus_app -At -c "BEGIN" -c "SELECT access_policy.set_user('u01')" -c "SHOW access_policy.identity_token" -c "COMMIT" | grep '^v1:')
[ -n "$token" ] && ok "set_user() in a transaction block sets a signed token (${token:0:12}...)" || not_ok "no token from set_user()"
got=$(mint -U citus_app -At -c "BEGIN" -c "SELECT access_policy.set_user('u01')" -c "SELECT access_policy.clear_user()" -c "SHOW access_policy.identity_token" -c "COMMIT" 2>&1 | tr '\n' ' ')
[[ $got != *v1:* ]] && ok "clear_user() takes the token away" || not_ok "token after clear_user(): $got"
as_verifier() { verify -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
got=$(as_verifier -U citus_app -c "BEGIN" -c "SET LOCAL access_policy.identity_token = '$token'" -c "SELECT access_policy.current_user_id()" -c "ROLLBACK")
[[ $got == *u01* ]] && ok "the token set_user() made is accepted: acts as u01" || not_ok "valid token: $got"
IFS=: read -r v user role exp nonce mac <<<"$token"
forged="$v:$(printf 'u02' | od -An -tx1 | tr -d ' \n'):$role:$exp:$nonce:$mac"
got=$(as_verifier -U citus_app -c "BEGIN" -c "SET LOCAL access_policy.identity_token = '$forged'" -c "SELECT access_policy.current_user_id()")
[[ $got == *"bad signature"* ]] && ok "a forged token (another user, the same signature) is refused: $(grep -m 1 -o "refused: .*" <<<"$got")" || not_ok "forged token: $got"
got=$(as_verifier -U citus_app -c "BEGIN" -c "SET LOCAL access_policy.identity_token = 'v1:7530:${role}:1:00:00'" -c "SELECT 1")
[[ $got == *"refused"* ]] && ok "a made-up token is refused" || not_ok "made-up token: $got"
got=$(as_verifier -U citus_other -c "BEGIN" -c "SET LOCAL access_policy.identity_token = '$token'" -c "SELECT access_policy.current_user_id()")
[[ $got == *"another database role"* ]] && ok "a token replayed by another database role is refused" || not_ok "replayed token, other role: $got"
got=$(PGOPTIONS="-c access_policy.identity_token=$token" as_verifier -U citus_app -c "SELECT access_policy.current_user_id()")
[[ $got == *"refused"* ]] && ok "a token in the connection options is refused" || not_ok "token in connection options: $got"
lifetime "SET access_policy.identity_token_lifetime = '2s'"
sleep 1
token=$(mint -U citus_app -At -c "BEGIN" -c "SELECT access_policy.set_user('u01')" -c "SHOW access_policy.identity_token" -c "COMMIT" | grep '^v1:')
got=$(as_verifier -U citus_app -c "SET access_policy.identity_token = '$token'" -c "SELECT coalesce(access_policy.current_user_id(), 'nobody')" -c "SELECT pg_sleep(3)" -c "SELECT coalesce(access_policy.current_user_id(), 'nobody')" | tr '\n' ' ')
[[ $got == *u01*nobody* ]] && ok "a token set for the session stops acting when it expires: $got" || not_ok "token past its lifetime in a session: $got"
got=$(as_verifier -U citus_app -c "BEGIN" -c "SET LOCAL access_policy.identity_token = '$token'" -c "SELECT access_policy.current_user_id()")
[[ $got == *"expired"* ]] && ok "a token replayed after access_policy.identity_token_lifetime is refused" || not_ok "expired token: $got"
lifetime "RESET access_policy.identity_token_lifetime"
got=$(mint -U citus_app -At -c "SHOW access_policy.identity_key" 2>&1)
[[ $got == *"must be superuser"* || $got == *"permission denied"* ]] && ok "the application cannot read access_policy.identity_key" || not_ok "identity_key readable: $got"
