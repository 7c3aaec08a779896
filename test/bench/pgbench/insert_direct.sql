-- test/bench/pgbench/insert_direct.sql -- T7 (information): INSERT straight into access_policy.assignments as superuser (guard, audit and invalidation triggers; no function)
INSERT INTO access_policy.assignments (user_id, org_id, role_id) SELECT w.user_id, w.org_id, 3 FROM bench.wtargets w WHERE w.n = (SELECT nextval('bench.wseq_di'));
