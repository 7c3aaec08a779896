#!/usr/bin/env bash
# test/citus/checks.sh USER... -- print, for each user, the SQL of the
# Citus suite's comparison: every check, list and RLS-protected SELECT,
# INSERT, UPDATE and DELETE, in a transaction that acts as the user and is
# rolled back.  Run as the application role; the output is compared between
# a single node and a Citus cluster.
perms="ARRAY['docs.view', 'docs.edit', 'comments.view', 'comments.edit', 'org.manage', 'members.manage']"
for u in "$@"; do
	cat <<SQL
BEGIN;
SELECT access_policy.set_user('$u');
SELECT '$u can', o, string_agg(p || '=' || access_policy.can(o, p), ' ' ORDER BY p)
  FROM generate_series(1, 30) o, unnest($perms) p GROUP BY o ORDER BY o;
SELECT '$u can_key', o, access_policy.can_key('org-' || o, 'docs.view') FROM generate_series(1, 30) o ORDER BY o;
SELECT '$u can_resource', r, access_policy.can_resource(r, 'docs.view') FROM generate_series(1, 6) r ORDER BY r;
SELECT '$u orgs_with', p, access_policy.orgs_with(p) FROM unnest($perms) p ORDER BY p;
SELECT '$u my_orgs', org_id, role, status FROM access_policy.my_orgs() ORDER BY 2, 3;
SELECT '$u docs', org_id, count(*), string_agg(id::text, ',' ORDER BY id) FROM docs GROUP BY org_id ORDER BY org_id;
SELECT '$u join', d.org_id, count(*) FROM docs d JOIN comments c ON c.org_id = d.org_id AND c.doc_id = d.id GROUP BY d.org_id ORDER BY d.org_id;
SELECT '$u one org', count(*) FROM docs WHERE org_id = 5;
SELECT '$u insert', o, try_write('INSERT INTO docs VALUES (%s, 99, ''new'')', o) FROM generate_series(1, 30) o ORDER BY o;
SELECT '$u insert comment', o, try_write('INSERT INTO comments VALUES (%s, 1, 99, ''new'')', o) FROM generate_series(1, 30) o ORDER BY o;
SELECT '$u update', o, try_write('UPDATE docs SET body = body || ''!'' WHERE org_id = %s', o) FROM generate_series(1, 30) o ORDER BY o;
SELECT '$u update all', try_write('UPDATE comments SET body = body || ''?'' WHERE %s > 0', 1);
SELECT '$u delete', o, try_write('DELETE FROM comments WHERE org_id = %s AND id = 2', o) FROM generate_series(1, 30) o ORDER BY o;
SELECT '$u after', org_id, count(*) FROM comments GROUP BY org_id ORDER BY org_id;
ROLLBACK;
SQL
done
