-- test/bench/pgbench/insert.sql -- T7 baseline: plain INSERT of the same row into a table with the same indexes as assignments
INSERT INTO bench.assign_copy (user_id, org_id, role_id) SELECT w.user_id, w.org_id, 3 FROM bench.wtargets w WHERE w.n = (SELECT nextval('bench.wseq_i'));
