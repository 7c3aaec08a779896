#!/usr/bin/python3
"""examples/tenant_app/test_app.py -- the example service's tests (issue #7 item 3).

Starts app.py's HTTP server in this process and talks to it over real HTTP
(urllib); the service talks to PostgreSQL through DATABASE_URL -- in
test/suites/31-example-app.sh, pgbouncer in transaction pooling mode.
SUPER_URL is a superuser connection (straight to the server) used only to
arrange and inspect the world.  Needs world.sql loaded: tenants Acme and
Globex, named by the uuids ACME and GLOBEX (their orgs' keys).
"""

import json
import os
import sys
import threading
import unittest
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import app  # noqa: E402

SUPER_URL = os.environ["SUPER_URL"]
ACME = "a1000000-0000-4000-8000-000000000001"
GLOBEX = "b2000000-0000-4000-8000-000000000002"
NOBODY = "c3000000-0000-4000-8000-000000000003"   # no org has this key
SERVER = None
BASE = None


def setUpModule():
    global SERVER, BASE
    SERVER = app.serve(0)
    threading.Thread(target=SERVER.serve_forever, daemon=True).start()
    BASE = f"http://127.0.0.1:{SERVER.server_address[1]}"


def tearDownModule():
    SERVER.shutdown()


def call(method, path, user=None, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token is None and user is not None:
        token = app.make_token(user)
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, (json.loads(raw) if raw else None)


def sql(query, params=None):
    with psycopg.connect(SUPER_URL, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else None


class Notes(unittest.TestCase):
    def test_each_user_sees_only_their_orgs(self):
        status, notes = call("GET", "/notes", "alice")
        self.assertEqual(status, 200)
        self.assertTrue(notes)
        self.assertEqual({n["tenant_id"] for n in notes}, {ACME})
        status, notes = call("GET", "/notes", "bob")
        self.assertEqual({n["tenant_id"] for n in notes}, {GLOBEX})
        status, notes = call("GET", "/notes", "erin")    # no role anywhere
        self.assertEqual((status, notes), (200, []))

    def test_write_own_org_not_foreign(self):
        status, note = call("POST", "/notes", "alice", {"tenant_id": ACME, "body": "hello"})
        self.assertEqual(status, 201)
        self.assertEqual(note["tenant_id"], ACME)
        status, err = call("POST", "/notes", "alice", {"tenant_id": GLOBEX, "body": "intrusion"})
        self.assertEqual(status, 403)
        self.assertEqual(err["sqlstate"], "42501")
        # a tenant uuid that no org has: refused like a foreign one
        status, err = call("POST", "/notes", "alice", {"tenant_id": NOBODY, "body": "nowhere"})
        self.assertEqual((status, err["sqlstate"]), (403, "42501"))
        # a viewer cannot write even in their own org
        status, _ = call("POST", "/notes", "bob", {"tenant_id": GLOBEX, "body": "viewer write"})
        self.assertEqual(status, 403)
        # another org's note does not exist for alice: 404, not 403 (no existence leak)
        foreign = sql("SELECT min(id) FROM notes WHERE tenant_id = %s", (GLOBEX,))[0][0]
        self.assertEqual(call("PATCH", f"/notes/{foreign}", "alice", {"body": "x"})[0], 404)
        self.assertEqual(call("DELETE", f"/notes/{foreign}", "alice")[0], 404)
        self.assertEqual(sql("SELECT body FROM notes WHERE id = %s", (foreign,))[0][0].startswith("note"), True)
        # and her own note can be changed and deleted
        self.assertEqual(call("PATCH", f"/notes/{note['id']}", "alice", {"body": "edited"})[1]["body"], "edited")
        self.assertEqual(call("DELETE", f"/notes/{note['id']}", "alice")[0], 204)

    def test_authentication(self):
        self.assertEqual(call("GET", "/notes")[0], 401)
        self.assertEqual(call("GET", "/notes", token="alice.0000")[0], 401)
        forged = "bob" + app.make_token("alice")[5:]
        self.assertEqual(call("GET", "/notes", token=forged)[0], 401)
        self.assertEqual(call("GET", "/me", "alice")[1]["user_id"], "alice")

    def test_me_lists_tenant_uuids(self):
        self.assertEqual(call("GET", "/me", "alice")[1]["tenants"], [ACME])
        self.assertEqual(call("GET", "/me", "bob")[1]["tenants"], [GLOBEX])
        self.assertEqual(call("GET", "/me", "erin")[1]["tenants"], [])

    def test_bad_input(self):
        self.assertEqual(call("POST", "/notes", "alice", {"tenant_id": ACME, "body": ""})[0], 400)
        self.assertEqual(call("GET", "/nowhere", "alice")[0], 404)
        # a tenant id that is no uuid
        status, err = call("POST", "/notes", "alice", {"tenant_id": "acme", "body": "x"})
        self.assertEqual((status, err["sqlstate"]), (400, "22P02"))
        self.assertEqual(call("GET", "/orgs/1/support", "alice")[0], 404)


class SupportAccess(unittest.TestCase):
    def test_read_only_by_default_write_on_request_revocable(self):
        # support staff read every org by default (access_policy.support_default_level = read)
        status, notes = call("GET", "/notes", "sam")
        self.assertEqual(status, 200)
        self.assertEqual({n["tenant_id"] for n in notes}, {ACME, GLOBEX})
        self.assertEqual(call("POST", "/notes", "sam", {"tenant_id": ACME, "body": "support"})[0], 403)
        # a customer admin grants write for a week, with a reason
        status, _ = call("PUT", f"/orgs/{ACME}/support", "alice",
                         {"level": "write", "reason": "ticket 7", "duration": "1 week"})
        self.assertEqual(status, 200)
        status, st = call("GET", f"/orgs/{ACME}/support", "alice")
        self.assertEqual((st["level"], st["source"]), ("write", "own"))
        self.assertIsNotNone(st["remaining"])
        self.assertEqual(call("POST", "/notes", "sam", {"tenant_id": ACME, "body": "support fix"})[0], 201)
        self.assertEqual(call("POST", "/notes", "sam", {"tenant_id": GLOBEX, "body": "not here"})[0], 403)
        # only the customer's admins may change it, and a reason is required
        self.assertEqual(call("PUT", f"/orgs/{GLOBEX}/support", "alice", {"level": "write", "reason": "x"})[0], 403)
        self.assertEqual(call("PUT", f"/orgs/{ACME}/support", "alice", {"level": "write"})[0], 400)
        # a tenant no org has is refused like a foreign one (no existence leak)
        self.assertEqual(call("PUT", f"/orgs/{NOBODY}/support", "alice", {"level": "write", "reason": "x"})[0], 403)
        self.assertEqual(call("GET", f"/orgs/{NOBODY}/support", "alice")[0], 403)
        self.assertEqual(call("GET", f"/orgs/{GLOBEX}/support", "alice")[0], 403)
        # revoked: back to the default
        self.assertEqual(call("DELETE", f"/orgs/{ACME}/support", "alice")[0], 204)
        self.assertEqual(call("POST", "/notes", "sam", {"tenant_id": ACME, "body": "too late"})[0], 403)


class SupportRequests(unittest.TestCase):
    def test_request_approved_and_activity_read_by_the_customer(self):
        # Globex is closed to support; its Viewer bob may not decide
        sql("SELECT access_policy.set_support_access(access_policy.org_id(%s::uuid), 'none') IS NOT NULL", (GLOBEX,))
        # gwen administers Globex (made here, kept: nothing else uses her)
        sql("SELECT access_policy.create_user('gwen', 'gwen@globex.example')")
        sql("SELECT access_policy.assign_role('gwen', access_policy.org_id(%s::uuid), 'Admin')", (GLOBEX,))
        try:
            status, req = call("POST", f"/orgs/{GLOBEX}/support/requests", "sam",
                               {"level": "write", "reason": "customer cannot save notes", "duration": "1 week",
                                "ticket": "T-42"})
            self.assertEqual(status, 201)
            # only support staff ask
            self.assertEqual(call("POST", f"/orgs/{GLOBEX}/support/requests", "bob",
                                  {"level": "read", "reason": "x"})[0], 403)
            # the customer's admin sees it pending; its Viewer and another tenant's admin do not
            status, pending = call("GET", "/support/requests", "gwen")
            self.assertEqual([(r["id"], r["tenant_id"], r["status"], r["ticket"]) for r in pending],
                             [(req["id"], GLOBEX, "pending", "T-42")])
            self.assertEqual(call("GET", "/support/requests", "bob")[1], [])
            self.assertEqual(call("GET", "/support/requests", "alice")[1], [])
            self.assertEqual(call("POST", f"/support/requests/{req['id']}/approve", "alice")[0], 403)
            # the agent cannot write yet; gwen approves; now they can
            self.assertEqual(call("POST", "/notes", "sam", {"tenant_id": GLOBEX, "body": "fix"})[0], 403)
            status, approved = call("POST", f"/support/requests/{req['id']}/approve", "gwen")
            self.assertEqual(status, 200)
            self.assertIsNotNone(approved["expires_at"])
            self.assertEqual(call("POST", f"/support/requests/{req['id']}/approve", "gwen")[0], 409)
            status, note = call("POST", "/notes", "sam", {"tenant_id": GLOBEX, "body": "fixed by support"})
            self.assertEqual(status, 201)
            # the customer reads what support wrote; another tenant's admin reads nothing of it
            status, activity = call("GET", f"/orgs/{GLOBEX}/support/activity", "gwen")
            self.assertEqual(status, 200)
            self.assertEqual([(a["agent"], a["operation"], a["row_key"], a["after"]["body"]) for a in activity],
                             [("sam", "insert", {"id": note["id"]}, "fixed by support")])
            self.assertIn("support request", activity[0]["access_reason"])
            self.assertIn("T-42", activity[0]["access_reason"])
            self.assertEqual(call("GET", f"/orgs/{GLOBEX}/support/activity", "alice")[1], [])
            # a second request, denied with a reason the agent reads
            status, req2 = call("POST", f"/orgs/{GLOBEX}/support/requests", "sam",
                                {"level": "read", "reason": "follow-up"})
            self.assertEqual(call("POST", f"/support/requests/{req2['id']}/deny", "gwen",
                                  {"reason": "not needed"})[0], 204)
            mine = {r["id"]: r for r in call("GET", "/support/requests", "sam")[1]}
            self.assertEqual((mine[req2["id"]]["status"], mine[req2["id"]]["decision_reason"]),
                             ("denied", "not needed"))
        finally:
            sql("DELETE FROM notes WHERE body = 'fixed by support'")
            # back to the default for the other tests
            sql("SELECT access_policy.revoke_support_access(access_policy.org_id(%s::uuid))", (GLOBEX,))


class ServiceErrors(unittest.TestCase):
    def test_server_side_mistake_is_a_logged_500_not_a_404(self):
        # a typo in the service's own SQL (a permission nobody registered: 42704)
        # is the service's fault: 500, logged with the database's message, and
        # nothing of it in the reply
        def broken(cur, m, body):
            cur.execute("SELECT access_policy.can(1, 'notes.veiw')")
            return 200, None
        app.ROUTES.append(("GET", r"/broken", broken))
        try:
            with self.assertLogs("tenant_app", level="ERROR") as logs:
                status, payload = call("GET", "/broken", "alice")
        finally:
            app.ROUTES.pop()
        self.assertEqual((status, payload), (500, {"error": "internal error"}))
        self.assertTrue(any("42704" in line and "notes.veiw" in line for line in logs.output), logs.output)

    def test_what_the_caller_named_is_404_or_400(self):
        status, err = call("POST", f"/orgs/{ACME}/invitations", "alice",
                           {"email": "nobody@acme.example", "role": "Wizard"})
        self.assertEqual((status, err["error"]), (400, "no such role"))
        self.assertEqual(call("DELETE", "/invitations/999999", "alice")[0], 404)

    def test_support_staff_are_created_through_the_api(self):
        # world.sql: create_user(..., is_support_staff => true), no direct write
        self.assertEqual(sql("SELECT is_support_staff FROM access_policy.users WHERE id = 'sam'"), [(True,)])


class Invitations(unittest.TestCase):
    def test_invite_accept_revoke_expire(self):
        status, inv = call("POST", f"/orgs/{ACME}/invitations", "alice", {"email": "carol@acme.example", "role": "Viewer"})
        self.assertEqual(status, 201)
        self.assertTrue(inv["token"])
        # nobody else can use it: not bob (another address), not a guessed token
        self.assertEqual(call("POST", "/invitations/accept", "bob", {"token": inv["token"]})[0], 403)
        self.assertEqual(call("POST", "/invitations/accept", "carol", {"token": "guess"})[0], 400)
        self.assertEqual(call("POST", "/invitations/accept", "carol", {"token": inv["token"]})[0], 200)
        self.assertEqual({n["tenant_id"] for n in call("GET", "/notes", "carol")[1]}, {ACME})
        # one-time
        self.assertGreaterEqual(call("POST", "/invitations/accept", "carol", {"token": inv["token"]})[0], 400)
        # a revoked invitation cannot be accepted
        status, inv2 = call("POST", f"/orgs/{ACME}/invitations", "alice", {"email": "dave@acme.example", "role": "Viewer"})
        sql("SELECT access_policy.create_user('dave', 'dave@acme.example')")
        self.assertEqual(call("DELETE", f"/invitations/{inv2['id']}", "alice")[0], 204)
        self.assertGreaterEqual(call("POST", "/invitations/accept", "dave", {"token": inv2["token"]})[0], 400)
        # an expired one neither (expiry after 24 h by the database clock)
        status, inv3 = call("POST", f"/orgs/{ACME}/invitations", "alice", {"email": "dave@acme.example", "role": "Viewer"})
        sql("UPDATE access_policy.invitations SET invited_at = now() - interval '2 days', "
            "expires_at = now() - interval '1 day' WHERE id = %s", (inv3["id"],))
        self.assertGreaterEqual(call("POST", "/invitations/accept", "dave", {"token": inv3["token"]})[0], 400)
        self.assertEqual(call("GET", "/notes", "dave")[1], [])
        statuses = {i["id"]: i["status"] for i in call("GET", f"/orgs/{ACME}/invitations", "alice")[1]}
        self.assertEqual((statuses[inv["id"]], statuses[inv2["id"]], statuses[inv3["id"]]),
                         ("accepted", "revoked", "expired"))
        # bob may not invite into alice's org nor list its invitations
        self.assertEqual(call("POST", f"/orgs/{ACME}/invitations", "bob", {"email": "x@y.example", "role": "Viewer"})[0], 403)
        self.assertEqual(call("GET", f"/orgs/{ACME}/invitations", "bob"), (200, []))
        # nor into an org that does not exist, which looks the same
        self.assertEqual(call("POST", f"/orgs/{NOBODY}/invitations", "bob", {"email": "x@y.example", "role": "Viewer"})[0], 403)
        self.assertEqual(call("GET", f"/orgs/{NOBODY}/invitations", "bob"), (200, []))


class Concurrency(unittest.TestCase):
    def test_no_identity_bleeds_between_concurrent_requests(self):
        expected = {"alice": {ACME}, "bob": {GLOBEX}, "carol_or_nobody": set()}

        def one(i):
            user = ("alice", "bob")[i % 2]
            status, notes = call("GET", "/notes", user)
            me = call("GET", "/me", user)[1]["user_id"]
            return user, status, {n["tenant_id"] for n in notes}, me

        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(one, range(400)))
        bad = [r for r in results if r[1] != 200 or r[2] != expected[r[0]] or r[3] != r[0]]
        self.assertEqual(bad, [])
        self.assertEqual(len(results), 400)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    run = result.testsRun
    failed = len(result.failures) + len(result.errors)
    print(f"{run - failed} passed, {failed} failed")
    sys.exit(0 if failed == 0 and run > 0 else 1)
