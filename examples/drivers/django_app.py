#!/usr/bin/python3
"""examples/drivers/django_app.py -- per-request identity with Django.

A middleware runs every request in one transaction.atomic() block whose first
statement is access_policy.set_user(<the authenticated user>); an anonymous
request opens the transaction too and acts as nobody.  The identity is
transaction-scoped, so the connection, which Django keeps open across
requests (CONN_MAX_AGE), serves the next request acting as nobody.  Django
runs in autocommit mode: without the atomic block set_user() would last one
statement.  (ATOMIC_REQUESTS would wrap only the view, after the middleware,
so it cannot be where set_user() goes.)

Standalone: settings.configure(), an unmanaged model on the table notes, the
requests sent through Django's WSGI handler, as a server would.
Connection: PGHOST (a unix socket directory), PGPORT, PGDATABASE, PGUSER.
Database: world.sql beside this.
Run: python3 django_app.py (Debian: python3-django, python3-psycopg2).
Prints what each request saw; test/suites/32-drivers.sh compares it with the
other drivers' output.
"""

import json
import os
import sys
from wsgiref.util import setup_testing_defaults

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="example only",  # Django's error report on a 500 needs one
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[f"{__name__}.DemoAuthenticationMiddleware", f"{__name__}.ActingUserMiddleware"],
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": os.environ["PGHOST"],
            "PORT": os.environ["PGPORT"],
            "NAME": os.environ["PGDATABASE"],
            "USER": os.environ["PGUSER"],
            # one connection kept across requests (per thread), as a
            # persistent connection or a pool would be
            "CONN_MAX_AGE": None,
        }
    },
)
django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402  (after setup)
from django.db import DatabaseError, connection, models, transaction  # noqa: E402
from django.http import HttpResponseForbidden, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402


class Note(models.Model):
    id = models.BigAutoField(primary_key=True)  # GENERATED ALWAYS AS IDENTITY
    org_id = models.BigIntegerField()
    body = models.TextField()

    class Meta:
        app_label = "drivers"
        db_table = "notes"
        managed = False


class DemoAuthenticationMiddleware:
    """Stands in for your authentication: sets request.user_id to the header
    X-Demo-User.  Never trust a header like this in a real application."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.user_id = request.headers.get("X-Demo-User")
        return self.get_response(request)


class ActingUserMiddleware:
    """Each request in one transaction that starts with set_user()."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with transaction.atomic():
            if request.user_id is not None:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT access_policy.set_user(%s)", [request.user_id])
            return self.get_response(request)

    def process_exception(self, request, exception):
        # the view raised: roll the request back (Django turns the exception
        # into a response before it reaches __call__)
        transaction.set_rollback(True)
        sqlstate = getattr(exception.__cause__, "pgcode", None)  # psycopg2's error
        if isinstance(exception, DatabaseError) and sqlstate == "42501":
            return HttpResponseForbidden("42501")
        return None


def count_notes(request):
    """How many notes exist for the acting user (row level security decides),
    and on which server connection the request ran."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return JsonResponse({"n": Note.objects.count(), "pid": pid})


def write_note(request, org_id):
    Note.objects.create(org_id=org_id, body="written by " + str(request.user_id))
    return JsonResponse({"written": True})


urlpatterns = [
    path("notes", count_notes),
    path("orgs/<int:org_id>/notes", write_note),
]

application = WSGIHandler()


def request(url, user_id=None):
    """Send one request through the WSGI handler: (status code, body)."""
    environ = {"PATH_INFO": "/" + url, "wsgi.errors": sys.stderr}
    if user_id is not None:
        environ["HTTP_X_DEMO_USER"] = user_id
    setup_testing_defaults(environ)
    status = []
    body = b"".join(application(environ, lambda s, headers: status.append(s)))
    return int(status[0].split()[0]), body.decode()


def check_pooled_connection(what, request_pid):
    """Who the connection Django kept acts as, outside any request."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_policy.current_user_id(), pg_backend_pid()")
        user_id, pid = cursor.fetchone()
    if pid != request_pid:
        print(f"{what} the pool gave another server connection")
    else:
        print(f"{what} the pooled connection acts as {user_id or 'nobody'}")


def main():
    seen = {}
    for who in ("alice", "bob", None):
        status, body = request("notes", who)
        seen[who] = json.loads(body) if status == 200 else {"n": f"an error {status}"}
        print(f"{who or 'nobody'} sees {seen[who]['n']}")
    check_pooled_connection("after a request", seen["alice"].get("pid"))

    status, body = request("orgs/102/notes", "alice")
    if status == 200:
        print("alice writing into bob's org: written")
    else:
        print(f"alice writing into bob's org: refused {body}" if status == 403
              else f"alice writing into bob's org: an error {status}")
    check_pooled_connection("after a refused request", seen["alice"].get("pid"))


if __name__ == "__main__":
    main()
