#!/usr/bin/python3
"""examples/tenant_app/app.py -- a small multi-tenant HTTP service on access_policy.

Standard library HTTP server plus psycopg 3 (Debian: python3-psycopg).  Every
request opens a transaction, says who is acting with
access_policy.set_user() (transaction scope, so it is safe behind pgbouncer in
transaction pooling mode) and then runs plain SQL: the RLS policies that
access_policy.protect_table() put on "notes" decide which rows exist for the
caller, and the extension's functions decide support access and invitations.

Tenants are named by uuid everywhere in the service: notes.tenant_id, the
paths /orgs/<uuid>/..., the JSON.  The uuids are the orgs' keys in
access_policy, so the checks take them as they are (the policies call
can_key(tenant_id, ...)); the administration functions take org ids, which
org_of() gets with access_policy.org_id().

Authentication is deliberately minimal and is the application's job: a bearer
token "<user id>.<HMAC-SHA256 of the user id with APP_SECRET>" (see
make_token()).  A real service would verify its identity provider's tokens
here and pass the verified user id on.

Environment: DATABASE_URL (libpq connection string, e.g. pgbouncer's),
APP_SECRET, APP_PORT (default 8080).
Run: python3 app.py serve | python3 app.py token <user_id>
"""

import hashlib
import hmac
import json
import logging
import os
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg

DATABASE_URL = os.environ.get("DATABASE_URL", "dbname=app")
APP_SECRET = os.environ.get("APP_SECRET", "change me").encode()

log = logging.getLogger("tenant_app")

# SQLSTATE -> HTTP status for errors the database reports about the caller's
# request.  Anything else is the service's own fault (a typo in its SQL, a
# permission name that is not registered: 42704, 42883, 42P01, ...): a 500,
# logged with the database's message, never shown to the caller.  42704
# (undefined object) is not here for that reason: the handlers that look up
# something the caller named turn it into a 404 or 400 themselves.
STATUS_OF_SQLSTATE = {
    "42501": 403,  # insufficient_privilege: RLS WITH CHECK, permission denied
    "23505": 409,  # unique_violation
    "22023": 400,  # invalid_parameter_value
    "28000": 400,  # invalid_authorization_specification: a wrong invitation token
    "22P02": 400,  # invalid_text_representation
    "23502": 400,  # not_null_violation
    "23514": 400,  # check_violation
    "P0001": 400,  # raise_exception (application rule)
    "55000": 409,  # object_not_in_prerequisite_state: a request already decided or expired
    "40001": 409,  # serialization_failure: the same request twice at once (retry)
}


def make_token(user_id):
    sig = hmac.new(APP_SECRET, user_id.encode(), hashlib.sha256).hexdigest()
    return f"{user_id}.{sig}"


def user_of_token(token):
    """The user id a token was issued for, or None."""
    user_id, _, sig = token.rpartition(".")
    if not user_id or not sig:
        return None
    good = hmac.new(APP_SECRET, user_id.encode(), hashlib.sha256).hexdigest()
    return user_id if hmac.compare_digest(good, sig) else None


class HttpError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def run_as(user_id, work):
    """Run work(cursor) in one transaction acting as user_id."""
    # prepare_threshold=None: no server-side prepared statements, which a
    # transaction-pooling pgbouncer cannot keep on one server connection
    with psycopg.connect(DATABASE_URL, prepare_threshold=None) as conn:
        with conn.transaction():
            with conn.cursor() as cur:
                cur.execute("SELECT access_policy.set_user(%s)", (user_id,))
                return work(cur)


UUID = r"([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})"


def org_of(cur, tenant):
    """The org id of a tenant uuid, for the administration functions (they take ids).

    access_policy.org_id() fails with 42704 for a uuid no org has.  Here that
    becomes None (NULL), which the functions refuse like a foreign org (403;
    a list is empty), as the extension treats an unknown org id: a caller
    cannot tell which tenants exist.
    """
    try:
        with cur.connection.transaction():  # a savepoint: the request goes on
            cur.execute("SELECT access_policy.org_id(%s::uuid)", (tenant,))
            return cur.fetchone()[0]
    except psycopg.errors.UndefinedObject:
        return None


def rows(cur):
    cols = [c.name for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


# ---------- routes: (method, path regex) -> handler(cur, match, body) ----------

def list_notes(cur, m, body):
    cur.execute("SELECT id, tenant_id, body FROM notes ORDER BY id")
    return 200, rows(cur)


def create_note(cur, m, body):
    cur.execute("INSERT INTO notes (tenant_id, body) VALUES (%s, %s) RETURNING id, tenant_id, body",
                (body.get("tenant_id"), body.get("body")))
    return 201, rows(cur)[0]


def update_note(cur, m, body):
    cur.execute("UPDATE notes SET body = %s WHERE id = %s RETURNING id, tenant_id, body",
                (body.get("body"), int(m.group(1))))
    found = rows(cur)
    if not found:
        raise HttpError(404, "no such note")
    return 200, found[0]


def delete_note(cur, m, body):
    cur.execute("DELETE FROM notes WHERE id = %s", (int(m.group(1)),))
    if cur.rowcount == 0:
        raise HttpError(404, "no such note")
    return 204, None


def me(cur, m, body):
    # the tenants where the user may read, by their uuids
    cur.execute("SELECT access_policy.current_user_id() AS user_id, "
                "access_policy.org_keys_with('responses.view', NULL::uuid) AS tenants")
    return 200, rows(cur)[0]


def support_status(cur, m, body):
    cur.execute("SELECT level, source, expires_at, remaining::text, summary "
                "FROM access_policy.support_status(%s)", (org_of(cur, m.group(1)),))
    return 200, rows(cur)[0]


def set_support(cur, m, body):
    cur.execute("SELECT access_policy.set_support_access(%s, %s, %s, duration => %s) AS expires_at",
                (org_of(cur, m.group(1)), body.get("level"), body.get("reason"), body.get("duration")))
    return 200, rows(cur)[0]


def revoke_support(cur, m, body):
    cur.execute("SELECT access_policy.revoke_support_access(%s)", (org_of(cur, m.group(1)),))
    return 204, None


def request_support(cur, m, body):
    # a support agent asks for access; the customer's admins decide
    cur.execute("SELECT access_policy.request_support_access(%s, %s, %s, duration => %s, ticket => %s) AS id",
                (org_of(cur, m.group(1)), body.get("level"), body.get("reason"), body.get("duration"),
                 body.get("ticket")))
    return 201, rows(cur)[0]


def list_support_requests(cur, m, body):
    # the requests the caller may decide, and their own as an agent
    cur.execute("SELECT id, org_key::uuid AS tenant_id, agent, level, reason, ticket, duration, status, "
                "time_left::text, decided_by, decision_reason FROM access_policy.support_requests ORDER BY id")
    return 200, rows(cur)


def approve_support_request(cur, m, body):
    cur.execute("SELECT access_policy.approve_support_request(%s) AS expires_at", (int(m.group(1)),))
    return 200, rows(cur)[0]


def deny_support_request(cur, m, body):
    cur.execute("SELECT access_policy.deny_support_request(%s, %s)", (int(m.group(1)), body.get("reason")))
    return 204, None


def support_activity(cur, m, body):
    # what support wrote in the tenant's rows (the view checks the caller)
    cur.execute("SELECT at, agent, table_name, operation, row_key, before, after, access_reason "
                "FROM access_policy.support_activity WHERE org_id = %s ORDER BY id",
                (org_of(cur, m.group(1)),))
    return 200, rows(cur)


def caller_named(cur, status, message, query, params):
    """Run query; an undefined object there is one the caller named."""
    try:
        with cur.connection.transaction():
            cur.execute(query, params)
    except psycopg.errors.UndefinedObject:
        raise HttpError(status, message)


def invite(cur, m, body):
    org = org_of(cur, m.group(1))
    caller_named(cur, 400, "no such role", "SELECT access_policy.invite(%s, %s, %s) AS token",
                 (org, body.get("email"), body.get("role")))
    token = rows(cur)[0]["token"]
    cur.execute("SELECT id FROM access_policy.sent_invitations "
                "WHERE org_id = %s AND lower(email) = lower(%s) AND status = 'pending'",
                (org, body.get("email")))
    return 201, {"id": rows(cur)[0]["id"], "token": token}


def list_invitations(cur, m, body):
    cur.execute("SELECT id, email, role, status FROM access_policy.sent_invitations "
                "WHERE org_id = %s ORDER BY id", (org_of(cur, m.group(1)),))
    return 200, rows(cur)


def revoke_invitation(cur, m, body):
    caller_named(cur, 404, "no such invitation", "SELECT access_policy.revoke_invitation(%s)",
                 (int(m.group(1)),))
    return 204, None


def accept_invitation(cur, m, body):
    cur.execute("SELECT access_policy.accept_invitation(%s) AS assignment_id", (body.get("token"),))
    return 200, rows(cur)[0]


ROUTES = [
    ("GET", r"/me", me),
    ("GET", r"/notes", list_notes),
    ("POST", r"/notes", create_note),
    ("PATCH", r"/notes/(\d+)", update_note),
    ("DELETE", r"/notes/(\d+)", delete_note),
    ("GET", rf"/orgs/{UUID}/support", support_status),
    ("PUT", rf"/orgs/{UUID}/support", set_support),
    ("DELETE", rf"/orgs/{UUID}/support", revoke_support),
    ("POST", rf"/orgs/{UUID}/support/requests", request_support),
    ("GET", rf"/orgs/{UUID}/support/activity", support_activity),
    ("GET", r"/support/requests", list_support_requests),
    ("POST", r"/support/requests/(\d+)/approve", approve_support_request),
    ("POST", r"/support/requests/(\d+)/deny", deny_support_request),
    ("GET", rf"/orgs/{UUID}/invitations", list_invitations),
    ("POST", rf"/orgs/{UUID}/invitations", invite),
    ("DELETE", r"/invitations/(\d+)", revoke_invitation),
    ("POST", r"/invitations/accept", accept_invitation),
]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: tests read the responses
        pass

    def reply(self, status, payload):
        data = b"" if payload is None else json.dumps(payload, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        try:
            auth = self.headers.get("Authorization", "")
            user_id = user_of_token(auth[7:]) if auth.startswith("Bearer ") else None
            if user_id is None:
                raise HttpError(401, "missing or invalid bearer token")
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}") if length else {}
            for method, pattern, handler in ROUTES:
                m = re.fullmatch(pattern, self.path)
                if m and method == self.command:
                    status, payload = run_as(user_id, lambda cur: handler(cur, m, body))
                    self.reply(status, payload)
                    return
            raise HttpError(404, "no such route")
        except HttpError as e:
            self.reply(e.status, {"error": e.message})
        except psycopg.Error as e:
            state = e.sqlstate or ""
            status = STATUS_OF_SQLSTATE.get(state, 500)
            if status >= 500:
                # the service's own fault: logged in full, the caller gets nothing of it
                log.error("%s %s: database error %s: %s (%s)", self.command, self.path, state,
                          e.diag.message_primary, e.diag.message_hint or "no hint")
                self.reply(status, {"error": "internal error"})
            else:
                self.reply(status, {"error": e.diag.message_primary, "sqlstate": state})
        except (ValueError, json.JSONDecodeError):
            self.reply(400, {"error": "bad request"})
        except Exception:
            log.exception("%s %s: unexpected error", self.command, self.path)
            self.reply(500, {"error": "internal error"})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


def serve(port):
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "token":
        print(make_token(sys.argv[2]))
    elif len(sys.argv) >= 2 and sys.argv[1] == "serve":
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        srv = serve(int(os.environ.get("APP_PORT", "8080")))
        print(f"listening on http://127.0.0.1:{srv.server_address[1]}")
        srv.serve_forever()
    else:
        print(__doc__)
        sys.exit(2)
