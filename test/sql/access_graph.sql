-- access_graph: the access picture of an org subtree as Graphviz DOT (issue
-- #7 item 7).  Checks the structure (nodes, edges, statuses, time left),
-- that hostile names cannot break out of a DOT string, truncation, and who
-- may draw it (members.manage at the org; permission before existence).
-- test/suites/51-graphviz.sh renders the output with Graphviz itself.
\set VERBOSITY terse
SET TIME ZONE 'UTC';
SELECT access_policy.create_org('Graph "Root" \ HQ', NULL, 9500);
SELECT access_policy.create_org(E'Graph\nChild', 9500, 9501);
SELECT access_policy.create_org('Gräph Ünïcode 図', 9500, 9502);
SELECT access_policy.create_org('Graph Grandchild', 9501, 9503);
SELECT access_policy.create_org('Graph Outside', NULL, 9510);
SELECT access_policy.create_user('graph_admin');
SELECT access_policy.create_user('graph "quoted" user', display_name => E'Quote " and \\ back\nslash');
SELECT access_policy.create_user('graph_viewer');
SELECT access_policy.create_user('graph_outsider');
SELECT access_policy.assign_role('graph_admin', 9500, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.assign_role('graph "quoted" user', 9501, 'Editor', statement_timestamp() + interval '2 days 3 hours') IS NOT NULL AS ok;
SELECT access_policy.assign_role('graph_viewer', 9502, 'Viewer') IS NOT NULL AS ok;
SELECT access_policy.set_assignment(id, enabled => false) FROM access_policy.assignments WHERE user_id = 'graph_viewer';
SELECT access_policy.assign_role('graph_outsider', 9510, 'Admin') IS NOT NULL AS ok;
SELECT access_policy.create_resource_kind('graph_app');
SELECT access_policy.create_resource(9501, 'graph_app', 'Graph "App"') AS app \gset
SELECT access_policy.grant_resource(:app, 'Viewer', ARRAY[9510]::bigint[]) IS NOT NULL AS ok;
SELECT access_policy.set_support_access(9501, 'write', 'graph test');

CREATE TEMP TABLE g AS SELECT access_policy.access_graph(9500) AS dot;
-- a well-formed digraph: first and last line, balanced braces
SELECT split_part(dot, E'\n', 1) AS first_line, right(dot, 2) = E'}\n' AS closed,
	   length(dot) - length(replace(dot, '{', '')) AS open_braces,
	   length(dot) - length(replace(dot, '}', '')) AS close_braces
  FROM g;
-- every node and edge line, with the time left masked
SELECT regexp_replace(regexp_replace(l, '\d+ d \d+ h \d+ min left', 'N left', 'g'), 'resource \d+', 'resource N', 'g') AS line
  FROM g, regexp_split_to_table(dot, E'\n') l
 WHERE l ~ '^  "' ORDER BY 1;
-- no line can contain an unescaped quote: every quoted string is well formed
SELECT count(*) AS bad_lines
  FROM g, regexp_split_to_table(dot, E'\n') l
 WHERE l ~ '^  "' AND l !~ '^  ("([^"\\]|\\.)*"( -> "([^"\\]|\\.)*")? \[([a-z]+=("([^"\\]|\\.)*"|[a-z0-9.,]+)(, )?)+\];)$';

-- a smaller picture: max_orgs truncates and says so
SELECT l AS truncated FROM regexp_split_to_table(access_policy.access_graph(9500, 2), E'\n') l WHERE l LIKE '%more orgs%';

-- who may draw it
SET ROLE regress_app;
BEGIN;
SELECT access_policy.set_user('graph_admin');
SELECT length(access_policy.access_graph(9501)) > 100 AS admin_draws_a_child;
SELECT access_policy.access_graph(9510);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('graph_viewer');
SELECT access_policy.access_graph(9502);
ROLLBACK;
BEGIN;
SELECT access_policy.set_user('graph_admin');
-- an unknown org is refused like a foreign one (no probing of ids)
SELECT access_policy.access_graph(999999);
ROLLBACK;
BEGIN;
SELECT access_policy.access_graph(9500);
ROLLBACK;
RESET ROLE;
-- the system: an unknown org is named; bad max_orgs
SELECT access_policy.access_graph(999999);
SELECT access_policy.access_graph(9500, 0);
SELECT access_policy.access_graph(9500, NULL);
-- PUBLIC may call it (permission is checked inside), not the helpers
SELECT p.oid::regprocedure, has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
  FROM pg_proc p WHERE p.pronamespace IN ('access_policy'::regnamespace, 'access_policy_internal'::regnamespace)
   AND p.proname IN ('access_graph', '_dot_str', '_dot_left') ORDER BY p.oid::regprocedure::text COLLATE "C";
