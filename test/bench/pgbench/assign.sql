-- test/bench/pgbench/assign.sql -- T7: grant one assignment (audit, guard and invalidation included)
SELECT access_policy.assign_role(w.user_id, w.org_id, 'Viewer') FROM bench.wtargets w WHERE w.n = (SELECT nextval('bench.wseq_a'));
