-- test/bench/pgbench/delete.sql -- T7 (information): plain DELETE of a row made by insert.sql
DELETE FROM bench.assign_copy a USING bench.wtargets w WHERE w.n = (SELECT nextval('bench.wseq_d')) AND a.user_id = w.user_id AND a.org_id = w.org_id AND a.role_id = 3;
