# test/lib.sh -- shell functions shared by test/run, test/demo and .ci/run.
#
# Source it from bash; it defines functions and variables and runs nothing.
# Everything here assumes Debian 12 with PostgreSQL 15 from Debian's archive,
# run as root: the server refuses to run as root, so every cluster belongs to
# the OS user postgres, lives in a temp dir, listens only on a unix socket in
# that dir and is stopped by the EXIT trap unless the caller keeps it.

# AP_PG_BINDIR points the scripts at another (relocated) copy of the same
# PostgreSQL 15 installation, e.g. to run two checkouts side by side.
PG_BINDIR=${AP_PG_BINDIR:-/usr/lib/postgresql/15/bin}
PG_CONFIG=$PG_BINDIR/pg_config
# (Debian's layout and its relocated copies: bin/../lib/pgxs; a source build: pg_config --pgxs)
PGXS_DIR=$( { cd "$PG_BINDIR/../lib/pgxs" 2>/dev/null && pwd; } \
	|| { d=$("$PG_CONFIG" --pgxs 2>/dev/null) && cd "${d%/src/makefiles/pgxs.mk}" 2>/dev/null && pwd; } \
	|| echo /usr/lib/postgresql/15/lib/pgxs)
PG_REGRESS=$PGXS_DIR/src/test/regress/pg_regress
PG_TAP_PERL=$PGXS_DIR/src/test/perl
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Clusters (data dirs) and directories the EXIT trap stops and removes.
AP_CLUSTERS=()
AP_REMOVE=()

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as the OS user postgres (directly if we already are it), from
# / when postgres cannot enter the current directory (a checkout under /root).
as_postgres()
{
	if [ "$(id -un)" = postgres ]; then
		"$@"
	else
		(
			runuser -u postgres -- test -x . 2>/dev/null || cd /
			exec runuser -u postgres -- "$@"
		)
	fi
}

require_root()
{
	[ "$(id -u)" -eq 0 ] || die "$1 must run as root (it installs packages and runs the server as user postgres)"
}

# Install the build and test dependencies from Debian's archive when running
# in CI or when anything is missing.  apt-get update runs at most once per
# process tree (AP_DEPS_READY is exported to children such as make test).
ensure_deps()
{
	local missing=()
	local f

	for f in "$PG_BINDIR/initdb" "$PG_BINDIR/pg_ctl" "$PG_BINDIR/postgres" "$PG_BINDIR/psql" \
			 "$PG_CONFIG" "$PG_REGRESS" "$PGXS_DIR/src/test/isolation/pg_isolation_regress" \
			 "$PG_TAP_PERL/PostgreSQL/Test/Cluster.pm"; do
		[ -e "$f" ] || missing+=("$f")
	done
	for f in make gcc perl prove runuser timeout; do
		command -v "$f" >/dev/null 2>&1 || missing+=("$f")
	done
	if command -v perl >/dev/null 2>&1 && ! perl -MIPC::Run -e 1 2>/dev/null; then
		missing+=("perl module IPC::Run")
	fi
	id postgres >/dev/null 2>&1 || missing+=("OS user postgres")

	if [ "${AP_DEPS_READY:-}" = 1 ] && [ ${#missing[@]} -eq 0 ]; then
		return 0
	fi
	if [ "${CI:-}" != true ] && [ ${#missing[@]} -eq 0 ]; then
		export AP_DEPS_READY=1
		return 0
	fi

	require_root "installing dependencies"
	if [ ${#missing[@]} -gt 0 ]; then
		log "missing: ${missing[*]}"
	fi
	log "installing postgresql-15 postgresql-server-dev-15 libipc-run-perl make gcc from Debian's archive"
	export DEBIAN_FRONTEND=noninteractive
	if [ "${AP_APT_UPDATED:-}" != 1 ]; then
		apt-get update -q >&2 || die "apt-get update failed"
		export AP_APT_UPDATED=1
	fi
	apt-get install -y -q --no-install-recommends \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
		postgresql-15 postgresql-server-dev-15 libipc-run-perl make gcc >&2 \
		|| die "apt-get install failed"
	export AP_DEPS_READY=1
}

# ensure_packages CMD:PACKAGE... -- for each pair, install the Debian package
# when the command (or file, when it starts with /) is missing; in CI also
# when present, so that a run never depends on what the image happened to have.
ensure_packages()
{
	local pair cmd pkg want=()

	for pair in "$@"; do
		cmd=${pair%%:*}
		pkg=${pair#*:}
		if [ "${CI:-}" = true ]; then
			dpkg -s "$pkg" >/dev/null 2>&1 || want+=("$pkg")
		elif [[ $cmd == /* ]]; then
			[ -e "$cmd" ] || want+=("$pkg")
		else
			command -v "$cmd" >/dev/null 2>&1 || want+=("$pkg")
		fi
	done
	[ ${#want[@]} -eq 0 ] && return 0
	require_root "installing ${want[*]}"
	log "installing ${want[*]} from Debian's archive"
	export DEBIAN_FRONTEND=noninteractive
	if [ "${AP_APT_UPDATED:-}" != 1 ]; then
		apt-get update -q >&2 || die "apt-get update failed"
		export AP_APT_UPDATED=1
	fi
	apt-get install -y -q --no-install-recommends \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
		"${want[@]}" >&2 || die "apt-get install ${want[*]} failed"
}

# build_and_install quiet|verbose -- build with -Werror (the Makefile adds
# the warning flags) and install, in the repository root; "quiet" hides the
# compiler command lines (warnings and errors still show).
build_and_install()
{
	local verbosity=""

	[ "${1:-}" = quiet ] && verbosity=-s
	log "building and installing access_policy (make clean && make && make install)"
	if ! { make -C "$REPO_ROOT" -s clean PG_CONFIG="$PG_CONFIG" \
			&& make -C "$REPO_ROOT" $verbosity PG_CONFIG="$PG_CONFIG" \
			&& make -C "$REPO_ROOT" -s install PG_CONFIG="$PG_CONFIG"; } >&2; then
		die "build failed"
	fi
}

# build_extension_for PG_CONFIG DIR -- build (-Werror) and install the
# extension into the installation PG_CONFIG belongs to, from a copy of the
# current directory's tree in DIR (output in DIR/build.log; DIR is emptied).
build_extension_for()
{
	local config=$1 dir=$2

	rm -rf "$dir" && mkdir -p "$dir/repo" || return 1
	tar --exclude=./.git --exclude=./results --exclude=./output_iso -cf - . | tar -C "$dir/repo" -xf - || return 1
	{ make -C "$dir/repo" -s clean PG_CONFIG="$config" \
		&& make -C "$dir/repo" -s PG_CONFIG="$config" \
		&& make -C "$dir/repo" -s install PG_CONFIG="$config"; } >"$dir/build.log" 2>&1 \
		|| { cat "$dir/build.log" >&2; return 1; }
}

# Is something listening on this TCP port on localhost?
port_in_use()
{
	timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# First port from $1 on that nothing listens on (TCP) and no socket file of
# ours uses; the cluster itself listens only on its own unix socket.
free_port()
{
	local port=$1
	local last=$(($1 + 50))

	while [ "$port" -le "$last" ]; do
		if ! port_in_use "$port" && [ ! -e "/tmp/.s.PGSQL.$port" ] \
			&& [ ! -e "/var/run/postgresql/.s.PGSQL.$port" ]; then
			echo "$port"
			return 0
		fi
		port=$((port + 1))
	done
	die "no free port in $1..$last"
}

# Make a temp dir that the postgres user owns.
postgres_tempdir()
{
	local dir

	dir=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || die "mktemp failed"
	chmod 755 "$dir"
	chown postgres: "$dir" 2>/dev/null || [ "$(id -un)" = postgres ] || die "cannot chown $dir to postgres"
	echo "$dir"
}

# start_cluster DIR PORT [fast]
# initdb into DIR/data as postgres, socket and log in DIR, listen on no TCP
# address; "fast" turns fsync off (tests).  The EXIT trap stops it unless
# keep_cluster DIR is called.
start_cluster()
{
	local dir=$1 port=$2 mode=${3:-}

	[ -d "$dir" ] || die "start_cluster: $dir does not exist"
	log "initdb in $dir/data (port $port)"
	as_postgres "$PG_BINDIR/initdb" -D "$dir/data" -U postgres --auth=trust \
		--encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 \
		|| { cat "$dir/initdb.log" >&2; die "initdb failed"; }
	{
		echo "# added by test/lib.sh start_cluster"
		echo "port = $port"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$dir'"
		echo "max_connections = 100"
		echo "max_prepared_transactions = 10"
		echo "lc_messages = 'C'"
		if [ "$mode" = fast ]; then
			echo "fsync = off"
			echo "synchronous_commit = off"
			echo "full_page_writes = off"
		fi
	} >>"$dir/data/postgresql.conf"
	AP_CLUSTERS+=("$dir")
	as_postgres "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
		|| { tail -n 50 "$dir/server.log" >&2; die "the server did not start"; }
	local tries=0
	while [ $tries -lt 60 ]; do
		tries=$((tries + 1))
		if as_postgres "$PG_BINDIR/pg_isready" -q -h "$dir" -p "$port"; then
			return 0
		fi
		sleep 0.5
	done
	tail -n 50 "$dir/server.log" >&2
	die "the server is not accepting connections on $dir:$port"
}

# stop_cluster DIR: fast shutdown, immediate if that does not work.
stop_cluster()
{
	local dir=$1

	[ -f "$dir/data/postmaster.pid" ] || return 0
	as_postgres "$PG_BINDIR/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 \
		|| as_postgres "$PG_BINDIR/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 \
		|| true
}

# Leave this cluster (and its dir) running after the script exits.
keep_cluster()
{
	local keep=$1 d
	local rest=()

	for d in "${AP_CLUSTERS[@]}"; do
		[ "$d" = "$keep" ] || rest+=("$d")
	done
	AP_CLUSTERS=("${rest[@]}")
	rest=()
	for d in "${AP_REMOVE[@]}"; do
		[ "$d" = "$keep" ] || rest+=("$d")
	done
	AP_REMOVE=("${rest[@]}")
}

remove_on_exit() { AP_REMOVE+=("$1"); }

# EXIT trap: stop our clusters, any cluster a TAP test left behind in a
# directory we remove, then remove the directories; last, call the function
# named by AP_EXIT_HOOK (if any) with the exit status.
ap_cleanup()
{
	local rc=$? d pid

	trap - EXIT INT TERM HUP
	for d in "${AP_CLUSTERS[@]}"; do
		stop_cluster "$d"
	done
	for d in "${AP_REMOVE[@]}"; do
		[ -d "$d" ] || continue
		while IFS= read -r pid; do
			as_postgres "$PG_BINDIR/pg_ctl" -D "$(dirname "$pid")" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
		done < <(find "$d" -name postmaster.pid 2>/dev/null)
		rm -rf "$d"
	done
	if [ -n "${AP_EXIT_HOOK:-}" ]; then
		"$AP_EXIT_HOOK" "$rc"
	fi
	exit "$rc"
}

install_cleanup_trap()
{
	trap ap_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

# A suite's checks: ok TEXT and not_ok TEXT count and say them; finish prints
# the summary line test/run reads ("N passed, M failed") and exits with the
# suite's status.
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; exit $?; }

# verdict ok|fail TEXT -- a suite's check: count it in the suite's globals
# pass and fail, and say it
verdict()
{
	if [ "$1" = ok ]; then
		pass=$((pass + 1))
		echo "ok: $2"
	else
		fail=$((fail + 1))
		echo "FAILED: $2"
	fi
}
