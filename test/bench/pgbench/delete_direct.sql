-- test/bench/pgbench/delete_direct.sql -- T7 (information): DELETE straight from access_policy.assignments as superuser (audit and invalidation triggers)
DELETE FROM access_policy.assignments a USING bench.wtargets w WHERE w.n = (SELECT nextval('bench.wseq_dd')) AND a.user_id = w.user_id AND a.org_id = w.org_id AND a.role_id = 3;
