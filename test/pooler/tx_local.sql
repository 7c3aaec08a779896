-- one request the recommended way: BEGIN, set_user (transaction scope), work, COMMIT
\set k random(1, 8)
BEGIN;
SELECT access_policy.set_user('u' || :k);
INSERT INTO pool_check (phase, k, who, seen, foreign_rows)
SELECT 'local', :k, access_policy.current_user_id(), count(*), count(*) FILTER (WHERE org_id <> :k) FROM notes;
UPDATE notes SET body = body WHERE id = (SELECT min(id) FROM notes WHERE org_id = :k);
COMMIT;
