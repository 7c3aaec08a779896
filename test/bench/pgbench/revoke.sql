-- test/bench/pgbench/revoke.sql -- T7: revoke one assignment made by assign.sql
SELECT access_policy.revoke_role(w.user_id, w.org_id, 'Viewer') FROM bench.wtargets w WHERE w.n = (SELECT nextval('bench.wseq_r'));
