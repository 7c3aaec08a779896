#!/usr/bin/env bash
# test/suites/51-graphviz.sh -- access_graph() output rendered by Graphviz
#
#
# The regression test (test/sql/access_graph.sql) checks the DOT text; this
# suite checks that Graphviz itself accepts it: the demo world
# (test/demo_world.sql) and a world of hostile names (quotes, backslashes,
# line breaks, braces, angle brackets, semicolons, non-ASCII) are rendered
# with Debian's `dot` to SVG and PNG; dot must exit 0 and print no warning
# or error, the SVG must parse as XML and name every org and member, and the
# hostile names must come out as the very text that was stored.
# Prints "N passed, M failed" last.

set -uo pipefail
. test/lib.sh
install_cleanup_trap
ensure_packages dot:graphviz /usr/bin/python3:python3

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }

CLUSTER=$SUITE_DIR/cluster
OUT=$SUITE_DIR/out
mkdir -p "$CLUSTER" "$OUT" && chown postgres: "$CLUSTER" "$OUT"
PORT=$(free_port "$SUITE_PORT") || exit 1
start_cluster "$CLUSTER" "$PORT" fast >/dev/null || { echo "0 passed, 1 failed"; exit 1; }
psql_db() { local db=$1; shift; as_postgres "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$CLUSTER" -p "$PORT" -U postgres -d "$db" "$@"; }

render()
{
	local name=$1 db=$2 org=$3 err
	psql_db "$db" -At -c "SELECT access_policy.access_graph($org)" >"$OUT/$name.dot" || { not_ok "$name: access_graph failed"; return 1; }
	for fmt in svg png; do
		if ! dot -T"$fmt" "$OUT/$name.dot" -o "$OUT/$name.$fmt" 2>"$OUT/$name.$fmt.err"; then
			not_ok "$name: dot -T$fmt failed: $(cat "$OUT/$name.$fmt.err")"
			return 1
		fi
		if [ -s "$OUT/$name.$fmt.err" ]; then
			not_ok "$name: dot -T$fmt warned: $(cat "$OUT/$name.$fmt.err")"
			return 1
		fi
	done
	[ -s "$OUT/$name.png" ] && [ "$(head -c 8 "$OUT/$name.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] \
		&& ok "$name: rendered to SVG and PNG without a warning ($(wc -c <"$OUT/$name.dot") bytes of DOT)" \
		|| not_ok "$name: the PNG is not a PNG"
}

# the texts that must appear in the SVG: org names, member ids and resource
# names (line by line)
svg_has()
{
	local name=$1 db=$2 org=$3
	psql_db "$db" -At -c "
		WITH RECURSIVE sub AS (SELECT id, name FROM access_policy.orgs WHERE id = $org
			UNION ALL SELECT o.id, o.name FROM access_policy.orgs o JOIN sub s ON o.parent_id = s.id)
		SELECT regexp_split_to_table(name, E'\n') FROM sub
		UNION SELECT DISTINCT regexp_split_to_table(a.user_id, E'\n') FROM access_policy.assignments a JOIN sub ON sub.id = a.org_id
		UNION SELECT regexp_split_to_table(r.name, E'\n') FROM access_policy.resources r JOIN sub ON sub.id = r.org_id" \
		>"$OUT/$name.expect" || { not_ok "$name: expected texts"; return 1; }
	if /usr/bin/python3 - "$OUT/$name.svg" "$OUT/$name.expect" <<'PY'
import sys, xml.etree.ElementTree as ET
tree = ET.parse(sys.argv[1])
texts = set()
for el in tree.iter():
    if el.tag.endswith('}text') and el.text is not None:
        texts.add(el.text)
missing = [l for l in open(sys.argv[2], encoding='utf-8').read().split('\n') if l and l not in texts]
if missing:
    print('missing in the SVG:', missing)
    sys.exit(1)
print('%d texts found' % len(texts))
PY
	then
		ok "$name: the SVG is well-formed XML and shows every org, member and resource name as stored"
	else
		not_ok "$name: the SVG lacks some names (or is not XML)"
	fi
}

# the demo world
psql_db postgres -c "CREATE DATABASE demo" >/dev/null || exit 1
psql_db demo -c "CREATE EXTENSION access_policy" >/dev/null || exit 1
psql_db demo -f test/demo_world.sql >"$OUT/demo_world.out" 2>&1 || { not_ok "demo world"; cat "$OUT/demo_world.out"; }
render demo demo 100 && svg_has demo demo 100

# hostile names
psql_db postgres -c "CREATE DATABASE hostile" >/dev/null || exit 1
psql_db hostile -c "CREATE EXTENSION access_policy" >/dev/null || exit 1
psql_db hostile >/dev/null <<'SQL' || not_ok "hostile world"
SELECT access_policy.create_org('"; digraph x { a -> b } //', NULL, 1);
SELECT access_policy.create_org(E'back\\slash \\" and \\\\n literal', 1, 2);
SELECT access_policy.create_org(E'two\nlines', 1, 3);
SELECT access_policy.create_org('<b>not html</b> & {braces} [brackets];', 2, 4);
SELECT access_policy.create_org('Ünïcödé 組織 🏢', 3, 5);
SELECT access_policy.create_user(u) FROM unnest(ARRAY['"]; evil=1 [', E'user\\', 'ünï', '<x>&amp;']) u;
SELECT access_policy.assign_role('"]; evil=1 [', 1, 'Admin');
SELECT access_policy.assign_role(E'user\\', 2, 'Editor', statement_timestamp() + interval '1 day');
SELECT access_policy.assign_role('ünï', 5, 'Viewer');
SELECT access_policy.assign_role('<x>&amp;', 4, 'Viewer');
SELECT access_policy.create_resource_kind('page');
SELECT access_policy.create_resource(4, 'page', E'res "1"\\ &lt;');
SQL
render hostile hostile 1 && svg_has hostile hostile 1

# keep the pictures for inspection (the README's picture is made the same way)
cp "$OUT"/*.svg "$OUT"/*.dot "$SUITE_DIR"/ 2>/dev/null
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
