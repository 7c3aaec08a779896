#!/usr/bin/python3
"""examples/drivers/psycopg_pool_app.py -- per-request identity with psycopg 3 and psycopg_pool.

Every request takes a connection from the pool and runs, inside one
conn.transaction() block, access_policy.set_user(<the authenticated user>)
and then its queries: the identity is transaction-scoped, so the connection
goes back to the pool acting as nobody.  The pool's connections are in
autocommit mode here, so nothing runs in a transaction that the code does not
open itself; outside a transaction block set_user() would last one statement.

Connection: libpq's environment variables PGHOST (a unix socket directory),
PGPORT, PGDATABASE, PGUSER.  Database: world.sql beside this.
Run: python3 psycopg_pool_app.py (Debian: python3-psycopg, python3-psycopg-pool).
Prints what each request saw; test/suites/32-drivers.sh compares it with the
other drivers' output.
"""

from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool

# One server connection, so that the check after a request provably gets the
# connection the request used; "" = everything from the environment.
pool = ConnectionPool("", min_size=1, max_size=1, kwargs={"autocommit": True}, open=False)


@contextmanager
def transaction():
    """One transaction on one connection of the pool."""
    with pool.connection() as conn, conn.transaction():
        yield conn


@contextmanager
def as_user(user_id):
    """One request of user_id: set_user() first, inside the transaction."""
    with transaction() as conn:
        conn.execute("SELECT access_policy.set_user(%s)", (user_id,))
        yield conn


def count_notes(conn):
    """The request's query: how many notes exist for the acting user (row
    level security decides), and on which server connection it ran."""
    return conn.execute("SELECT count(*), pg_backend_pid() FROM notes").fetchone()


def check_pooled_connection(what, request_pid):
    """Who a connection taken from the pool acts as, outside any request."""
    with pool.connection() as conn:
        user_id, pid = conn.execute(
            "SELECT access_policy.current_user_id(), pg_backend_pid()").fetchone()
    if pid != request_pid:
        print(f"{what} the pool gave another server connection")
    else:
        print(f"{what} the pooled connection acts as {user_id or 'nobody'}")


def main():
    with pool:
        with as_user("alice") as conn:
            n, pid = count_notes(conn)
        print(f"alice sees {n}")
        with as_user("bob") as conn:
            n, _ = count_notes(conn)
        print(f"bob sees {n}")
        with transaction() as conn:
            n, _ = count_notes(conn)
        print(f"nobody sees {n}")
        check_pooled_connection("after a request", pid)

        try:
            with as_user("alice") as conn:
                conn.execute("INSERT INTO notes (org_id, body) VALUES (%s, %s)",
                              (102, "written by alice"))
            print("alice writing into bob's org: written")
        except psycopg.Error as e:
            print(f"alice writing into bob's org: refused {e.sqlstate}")
        check_pooled_connection("after a refused request", pid)


if __name__ == "__main__":
    main()
