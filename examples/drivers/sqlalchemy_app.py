#!/usr/bin/python3
"""examples/drivers/sqlalchemy_app.py -- per-request identity with the SQLAlchemy ORM.

Every request is one Session inside one session.begin() block: its first
statement is access_policy.set_user(<the authenticated user>), then the
request's ORM queries.  The identity is transaction-scoped, so the connection
goes back to the engine's pool acting as nobody.  The block commits at its
end (or rolls back on an exception); do not call session.commit() inside it.
A session used without the block begins a transaction at its first statement
(autobegin) and a new one after each commit(), with no identity.

Connection: libpq's environment variables PGHOST (a unix socket directory),
PGPORT, PGDATABASE, PGUSER (the URL names no host, so psycopg2 leaves it all
to libpq).  Database: world.sql beside this.
Run: python3 sqlalchemy_app.py (Debian: python3-sqlalchemy, python3-psycopg2).
Prints what each request saw; test/suites/32-drivers.sh compares it with the
other drivers' output.
"""

from contextlib import contextmanager

from sqlalchemy import BigInteger, Column, Text, create_engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, declarative_base

# One server connection, so that the check after a request provably gets the
# connection the request used.
engine = create_engine("postgresql+psycopg2://", pool_size=1, max_overflow=0, future=True)

Base = declarative_base()


class Note(Base):
    __tablename__ = "notes"
    id = Column(BigInteger, primary_key=True)  # GENERATED ALWAYS AS IDENTITY
    org_id = Column(BigInteger, nullable=False)
    body = Column(Text, nullable=False)


@contextmanager
def as_user(user_id):
    """One request of user_id: one transaction, set_user() first."""
    with Session(engine) as session, session.begin():
        session.execute(text("SELECT access_policy.set_user(:user_id)"), {"user_id": user_id})
        yield session


def count_notes(session):
    """The request's query: how many notes exist for the acting user (row
    level security decides), and on which server connection it ran."""
    n = session.scalar(select(func.count()).select_from(Note))
    return n, session.scalar(select(func.pg_backend_pid()))


def check_pooled_connection(what, request_pid):
    """Who a connection taken from the pool acts as, outside any request."""
    with engine.connect() as conn:
        user_id, pid = conn.execute(
            text("SELECT access_policy.current_user_id(), pg_backend_pid()")).one()
    if pid != request_pid:
        print(f"{what} the pool gave another server connection")
    else:
        print(f"{what} the pooled connection acts as {user_id or 'nobody'}")


def main():
    with as_user("alice") as session:
        n, pid = count_notes(session)
    print(f"alice sees {n}")
    with as_user("bob") as session:
        n, _ = count_notes(session)
    print(f"bob sees {n}")
    with Session(engine) as session, session.begin():
        n, _ = count_notes(session)
    print(f"nobody sees {n}")
    check_pooled_connection("after a request", pid)

    try:
        with as_user("alice") as session:
            session.add(Note(org_id=102, body="written by alice"))
        print("alice writing into bob's org: written")
    except DBAPIError as e:
        print(f"alice writing into bob's org: refused {e.orig.pgcode}")
    check_pooled_connection("after a refused request", pid)
    engine.dispose()


if __name__ == "__main__":
    main()
