-- the wrong way behind a transaction pooler: a session-scoped identity stays
-- on the server connection and reaches whoever gets it next
\set k random(1, 8)
SELECT access_policy.set_user('u' || :k, false);
