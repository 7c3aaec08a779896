#!/usr/bin/env bash
# test/suites/32-drivers.sh -- per-request identity with common drivers and
# ORMs (issue "adoption"): the programs of examples/drivers/.
#
# A throwaway cluster with examples/drivers/world.sql (alice an Editor at
# Acme, bob at Globex, two notes of Acme and one of Globex, the role app);
# then each program -- node-postgres, psycopg 3 with psycopg_pool,
# SQLAlchemy, Django, ActiveRecord -- runs as the OS user postgres,
# connecting as app, and must print exactly the lines below and nothing on
# stderr: each request acts as its user inside its own transaction, a
# transaction without set_user() acts as nobody, the pooled connection acts
# as nobody after a request and after a refused one, and a write into an org
# the user has no role in is refused with 42501.  A negative control per
# program: a copy whose set_user() is session-scoped (local => false) must
# fail the same comparison, its identity reaching the next request.
#
# The runtimes come from Debian's archive (ensure_packages).  node-postgres:
# Debian's node-pg when it is installed or installable; where it is not (a
# nodejs not from Debian, whose node-pg dependencies apt refuses), the same
# .deb files unpacked into SUITE_DIR and found through NODE_PATH; npm's pg
# as a last resort.  AP_NODE_PG_ROUTE=deb or npm forces a route (to test
# it).  A driver whose runtime cannot be had is reported as "skip - ...",
# counted neither as passed nor as failed.
# Prints "N passed, M failed" last.

set -uo pipefail
. test/lib.sh
install_cleanup_trap

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
skip() { echo "skip - $*"; }
finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; exit $?; }

EXAMPLES=$REPO_ROOT/examples/drivers
OUT=$SUITE_DIR/out
CLUSTER=$SUITE_DIR/cluster
mkdir -p "$CLUSTER" "$OUT/mutated" && chown postgres: "$CLUSTER"
chmod 755 "$OUT" "$OUT/mutated"

cat >"$OUT/expected" <<'EOF'
alice sees 2
bob sees 1
nobody sees 0
after a request the pooled connection acts as nobody
alice writing into bob's org: refused 42501
after a refused request the pooled connection acts as nobody
EOF

# try_packages DRIVER CMD:PACKAGE... -- ensure_packages in a subshell, so
# that a runtime that cannot be installed skips its driver instead of ending
# the suite
try_packages()
{
	local driver=$1 log=$OUT/install-$1.log

	shift
	if ( ensure_packages "$@" ) >"$log" 2>&1; then
		# apt-get update has run (if anything was installed): once is enough
		grep -q '^==> installing' "$log" && export AP_APT_UPDATED=1
		return 0
	fi
	skip "$driver: cannot install its runtime from Debian's archive: $(grep -E '^(E|error):' "$log" | head -n 3 | tr '\n' ' ')"
	return 1
}

# the path a glob names (itself when nothing matches: missing, so installed)
path_of() { local p; for p in "$@"; do echo "$p"; return; done; }

# as_app CMD... -- run as the OS user postgres, connected as app to the world
as_app()
{
	local vars=(PGHOST="$CLUSTER" PGPORT="$PORT" PGDATABASE=drivers PGUSER=app)

	[ -z "$NODE_PATH" ] || vars+=(NODE_PATH="$NODE_PATH")
	as_postgres env "${vars[@]}" timeout 120 "$@"
}

# run_driver NAME VERSIONS FILE INTERPRETER -- the program and its negative
# control
run_driver()
{
	local name=$1 versions=$2 file=$3 interpreter=$4 base mutant

	base=$(basename "$file")
	as_app "$interpreter" "$file" >"$OUT/$name.out" 2>"$OUT/$name.err"
	local rc=$?
	if [ "$rc" -eq 0 ] && cmp -s "$OUT/expected" "$OUT/$name.out" && [ ! -s "$OUT/$name.err" ]; then
		ok "$name ($versions): $base printed the $(wc -l <"$OUT/expected") expected lines"
	else
		not_ok "$name ($versions): $base (exit status $rc) printed other lines or wrote to stderr"
		diff -u --label expected --label "$base" "$OUT/expected" "$OUT/$name.out" | sed 's/^/    /'
		sed 's/^/    stderr: /' "$OUT/$name.err" | head -n 30
	fi

	# negative control: the same program with a session-scoped identity
	mutant=$OUT/mutated/$base
	sed -E 's/access_policy\.set_user\(([^)]*)\)/access_policy.set_user(\1, false)/' "$file" >"$mutant"
	if cmp -s "$file" "$mutant"; then
		not_ok "$name: negative control: no set_user() call to make session-scoped in $base"
		return
	fi
	as_app "$interpreter" "$mutant" >"$OUT/$name.mutated.out" 2>"$OUT/$name.mutated.err"
	if ! cmp -s "$OUT/expected" "$OUT/$name.mutated.out" \
		&& grep -qx 'nobody sees 1' "$OUT/$name.mutated.out" \
		&& grep -qx 'after a request the pooled connection acts as bob' "$OUT/$name.mutated.out"; then
		ok "$name: negative control: with set_user(..., false) the comparison fails (bob's identity reaches the next request)"
	else
		not_ok "$name: negative control: a session-scoped set_user() went unnoticed"
		sed 's/^/    /' "$OUT/$name.mutated.out" "$OUT/$name.mutated.err"
	fi
}

# node_has_pg DIR -- can node load pg with NODE_PATH=DIR
node_has_pg() { as_postgres env NODE_PATH="$1" /usr/bin/node -e "require('pg')" >/dev/null 2>&1; }

# node_pg -- find or fetch node-postgres; sets NODE_PATH and NODE_PG_FROM
node_pg()
{
	local route=${AP_NODE_PG_ROUTE:-auto} dir deb

	if [ "$route" = auto ]; then
		if [ "${CI:-}" != true ] && node_has_pg /usr/share/nodejs; then
			NODE_PATH=/usr/share/nodejs NODE_PG_FROM="Debian's node-pg"
			return 0
		fi
		# only when apt would neither remove nor replace anything: a nodejs
		# from elsewhere (e.g. nodesource's) is left alone
		if apt-get install -s -q --no-install-recommends node-pg >"$OUT/node-pg.sim" 2>&1 \
			&& ! grep -qE '^(Remv|Inst nodejs )' "$OUT/node-pg.sim" \
			&& ( ensure_packages /usr/share/nodejs/pg/package.json:node-pg ) >"$OUT/install-node-pg.log" 2>&1 \
			&& node_has_pg /usr/share/nodejs; then
			NODE_PATH=/usr/share/nodejs NODE_PG_FROM="Debian's node-pg"
			return 0
		fi
	fi
	if [ "$route" = auto ] || [ "$route" = deb ]; then
		# Debian's node-pg and the node-* packages it depends on, unpacked
		dir=$OUT/node-pg-deb
		rm -rf "$dir" && mkdir -p "$dir/debs" "$dir/root"
		if (
			mapfile -t debs < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
				--no-breaks --no-replaces --no-enhances node-pg | grep -E '^node-' | sort -u)
			cd "$dir/debs" && [ ${#debs[@]} -gt 0 ] && apt-get download "${debs[@]}" \
				&& for deb in *.deb; do dpkg-deb -x "$deb" ../root || exit 1; done
		) >"$OUT/node-pg-deb.log" 2>&1 && chmod -R a+rX "$dir" && node_has_pg "$dir/root/usr/share/nodejs"; then
			NODE_PATH=$dir/root/usr/share/nodejs
			NODE_PG_FROM="Debian's $(basename "$dir"/debs/node-pg_*.deb .deb | sed 's/_all$//; s/_/ /'), unpacked, not installed"
			return 0
		fi
	fi
	if { [ "$route" = auto ] || [ "$route" = npm ]; } && command -v npm >/dev/null 2>&1; then
		dir=$OUT/node-pg-npm
		if npm install --prefix "$dir" --no-audit --no-fund --no-save pg@8 >"$OUT/node-pg-npm.log" 2>&1 \
			&& chmod -R a+rX "$dir" && node_has_pg "$dir/node_modules"; then
			NODE_PATH=$dir/node_modules NODE_PG_FROM="npm's pg"
			return 0
		fi
	fi
	return 1
}

PORT=$(free_port "$SUITE_PORT") || exit 1
start_cluster "$CLUSTER" "$PORT" fast >/dev/null || { not_ok "cluster"; finish; }
psql_db() { as_postgres "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$CLUSTER" -p "$PORT" -U postgres "$@"; }
psql_db -d postgres -c "CREATE DATABASE drivers" >/dev/null || { not_ok "createdb"; finish; }
psql_db -d drivers -c "CREATE EXTENSION access_policy" >"$OUT/extension.log" 2>&1 \
	|| { not_ok "CREATE EXTENSION access_policy: $(cat "$OUT/extension.log")"; finish; }
psql_db -d drivers -f "$EXAMPLES/world.sql" >"$OUT/world.log" 2>&1 \
	|| { not_ok "world.sql: $(tail -n 5 "$OUT/world.log")"; finish; }

PY=/usr/lib/python3/dist-packages

# node-postgres
NODE_PATH=
if try_packages node-postgres /usr/bin/node:nodejs; then
	if node_pg; then
		run_driver node-postgres "pg $(as_postgres env NODE_PATH="$NODE_PATH" /usr/bin/node -p "require('pg/package.json').version") from $NODE_PG_FROM, node $(/usr/bin/node --version)" \
			"$EXAMPLES/node_pg.js" /usr/bin/node
	else
		skip "node-postgres: pg cannot be had: Debian's node-pg neither installs nor unpacks here ($(tail -n 1 "$OUT/node-pg-deb.log" 2>/dev/null)) and npm is $(command -v npm >/dev/null && echo "failing ($(tail -n 1 "$OUT/node-pg-npm.log" 2>/dev/null))" || echo missing)"
	fi
fi
NODE_PATH=

pyver() { as_postgres /usr/bin/python3 -c "$1" 2>/dev/null || echo '?'; }

# psycopg 3 with psycopg_pool
if try_packages psycopg /usr/bin/python3:python3 "$PY/psycopg:python3-psycopg" "$PY/psycopg_pool:python3-psycopg-pool"; then
	run_driver psycopg "$(pyver 'import psycopg, psycopg_pool; print("psycopg", psycopg.__version__, "+ psycopg_pool", psycopg_pool.__version__)')" \
		"$EXAMPLES/psycopg_pool_app.py" /usr/bin/python3
fi

# SQLAlchemy (ORM, psycopg2)
if try_packages sqlalchemy /usr/bin/python3:python3 "$PY/sqlalchemy:python3-sqlalchemy" "$PY/psycopg2:python3-psycopg2"; then
	run_driver sqlalchemy "$(pyver 'import sqlalchemy, psycopg2; print("SQLAlchemy", sqlalchemy.__version__, "+ psycopg2", psycopg2.__version__.split()[0])')" \
		"$EXAMPLES/sqlalchemy_app.py" /usr/bin/python3
fi

# Django (psycopg2)
if try_packages django /usr/bin/python3:python3 "$PY/django:python3-django" "$PY/psycopg2:python3-psycopg2"; then
	run_driver django "$(pyver 'import django, psycopg2; print("Django", django.get_version(), "+ psycopg2", psycopg2.__version__.split()[0])')" \
		"$EXAMPLES/django_app.py" /usr/bin/python3
fi

# Rails: ActiveRecord with ruby-pg
if try_packages rails /usr/bin/ruby:ruby \
	"$(path_of /usr/share/rubygems-integration/all/gems/activerecord-*/lib/active_record.rb):ruby-activerecord" \
	/usr/lib/ruby/vendor_ruby/pg.rb:ruby-pg; then
	run_driver rails "$(as_postgres /usr/bin/ruby -ractive_record -rpg -e 'print "ActiveRecord #{ActiveRecord.version} + pg #{PG::VERSION}, ruby #{RUBY_VERSION}"' 2>/dev/null || echo '?')" \
		"$EXAMPLES/rails_app.rb" /usr/bin/ruby
fi

finish
