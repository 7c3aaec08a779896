-- test/bench/pgbench/write.sql -- T7: grant and revoke one assignment of a fresh (writer, org) pair, each its own transaction
SELECT nextval('bench.wseq_mix') AS wn \gset
SELECT access_policy.assign_role(w.user_id, w.org_id, 'Viewer') FROM bench.wtargets w WHERE w.n = :wn;
SELECT access_policy.revoke_role(w.user_id, w.org_id, 'Viewer') FROM bench.wtargets w WHERE w.n = :wn;
