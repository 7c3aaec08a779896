#!/usr/bin/node
// examples/drivers/node_pg.js -- per-request identity with node-postgres (pg).
//
// Every request takes one client from the pool and runs BEGIN,
// access_policy.set_user(<the authenticated user>), its queries, COMMIT on that
// client, then releases it: the identity is transaction-scoped, so the
// connection goes back to the pool acting as nobody.  Pool.query() would not
// do: each call may run on another client, so BEGIN, set_user() and the
// queries would not share a transaction.
//
// Connection: libpq's environment variables PGHOST (a unix socket directory),
// PGPORT, PGDATABASE, PGUSER, as read by pg.  Database: world.sql beside this.
// Run: node node_pg.js (Debian: nodejs, node-pg).  Prints what each request
// saw; test/suites/32-drivers.sh compares it with the other drivers' output.
'use strict';

const { Pool } = require('pg');

// One server connection (and never closed while idle), so that the check
// after a request provably gets the connection the request used.
const pool = new Pool({ max: 1, idleTimeoutMillis: 0 });

// Run work(client) in one transaction on one client of the pool.
async function transaction(work) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

// Run work(client) as one request of userId: set_user() first, inside the
// transaction.
function asUser(userId, work) {
  return transaction(async (client) => {
    await client.query('SELECT access_policy.set_user($1)', [userId]);
    return work(client);
  });
}

// The request's query: how many notes exist for the acting user (row level
// security decides), and on which server connection it ran.
async function countNotes(client) {
  const { rows } = await client.query(
    'SELECT count(*)::int AS n, pg_backend_pid() AS pid FROM notes');
  return rows[0];
}

// Who a connection taken from the pool acts as, outside any request.
async function checkPooledConnection(what, requestPid) {
  const client = await pool.connect();
  try {
    const { rows } = await client.query(
      'SELECT access_policy.current_user_id() AS user_id, pg_backend_pid() AS pid');
    if (rows[0].pid !== requestPid) {
      console.log(`${what} the pool gave another server connection`);
    } else {
      console.log(`${what} the pooled connection acts as ${rows[0].user_id ?? 'nobody'}`);
    }
  } finally {
    client.release();
  }
}

async function main() {
  const alice = await asUser('alice', countNotes);
  console.log(`alice sees ${alice.n}`);
  const bob = await asUser('bob', countNotes);
  console.log(`bob sees ${bob.n}`);
  const nobody = await transaction(countNotes);
  console.log(`nobody sees ${nobody.n}`);
  await checkPooledConnection('after a request', alice.pid);

  try {
    await asUser('alice', (client) => client.query(
      'INSERT INTO notes (org_id, body) VALUES ($1, $2)', [102, 'written by alice']));
    console.log("alice writing into bob's org: written");
  } catch (err) {
    console.log(`alice writing into bob's org: refused ${err.code}`);
  }
  await checkPooledConnection('after a refused request', alice.pid);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => pool.end());
