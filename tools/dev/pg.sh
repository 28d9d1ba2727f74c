#!/usr/bin/env bash
# PostgreSQL for `make run`. Prints a DATABASE_URL on stdout; everything else goes to stderr.
#
#   tools/dev/pg.sh url      the machine's PostgreSQL on 127.0.0.1:5432 if it answers (database
#                            "storefront" created if missing), else a private cluster under .data/postgres
#   tools/dev/pg.sh private  the private cluster only (initialised, started or reused)
#   tools/dev/pg.sh status   whether the private cluster runs, and its URL
#   tools/dev/pg.sh stop     stop the private cluster (its data stays in .data/postgres)
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD
DB_NAME=storefront
CLUSTER=$ROOT/.data/postgres
PGDATA_DIR=$CLUSTER/data
PORT_FILE=$CLUSTER/port
LOG_FILE=$CLUSTER/postgres.log

# psql, createdb and pg_isready come with the server binaries even where postgresql-client is not on PATH.
if bin_dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1) && [[ -n $bin_dir ]]; then
	PATH=$PATH:$bin_dir
fi

say() { echo "pg: $*" >&2; }
die() {
	echo "pg: $*" >&2
	exit 1
}

no_postgres() {
	die "no PostgreSQL found. Pick one:
  - point DATABASE_URL at a server you have:  DATABASE_URL=postgres://user:pass@host:5432/storefront make run
  - install PostgreSQL (then make run starts a private one under .data/postgres):  sudo apt-get install postgresql
  - with Docker, run the whole stack:  docker compose up --build"
}

pg_bin() {
	local initdb
	initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
	[[ -n $initdb ]] || return 1
	dirname "$initdb"
}

# as_pg runs a server-side command as the cluster's owner: PostgreSQL refuses to run as root.
as_pg() {
	if [[ $EUID -eq 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
	local p
	for p in $(seq 54320 54399); do
		if ! port_in_use "$p"; then
			echo "$p"
			return
		fi
	done
	die "no free port in 54320-54399 for the private PostgreSQL"
}

ensure_database() { # host port
	local host=$1 port=$2 exists
	exists=$(psql -w -h "$host" -p "$port" -U postgres -d postgres -Atc \
		"SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'") ||
		die "cannot connect as postgres to $host:$port without a password; set DATABASE_URL instead"
	if [[ $exists != 1 ]]; then
		createdb -w -h "$host" -p "$port" -U postgres "$DB_NAME"
		say "created database $DB_NAME on $host:$port"
	fi
}

url_for() { echo "postgres://postgres@127.0.0.1:$1/$DB_NAME?sslmode=disable"; }

private_running() {
	local bin=$1
	[[ -f $PGDATA_DIR/PG_VERSION ]] && as_pg "$bin/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1
}

init_private() {
	local bin=$1
	if [[ $EUID -eq 0 ]]; then
		id postgres >/dev/null 2>&1 || die "running as root needs the postgres system user (installed with the postgresql package)"
	fi
	mkdir -p "$CLUSTER"
	if [[ $EUID -eq 0 ]]; then
		# .data also holds the dev key and admin password (mode 600); postgres only needs to pass through.
		chmod 711 "$ROOT/.data"
		chown -R postgres: "$CLUSTER"
		as_pg test -w "$CLUSTER" || die "user postgres cannot reach $CLUSTER (a parent directory is closed to it); set DATABASE_URL instead"
	fi
	if [[ ! -f $PGDATA_DIR/PG_VERSION ]]; then
		say "initialising a private cluster in ${PGDATA_DIR#"$ROOT"/}"
		as_pg "$bin/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$CLUSTER/initdb.log" 2>&1 ||
			die "initdb failed; see ${CLUSTER#"$ROOT"/}/initdb.log"
		# Loopback TCP only, no Unix socket: nothing else on the machine should reach this cluster by
		# accident, and socket paths under a deep checkout can exceed the 107-byte limit.
		as_pg tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null <<-'CONF'

			# added by tools/dev/pg.sh
			listen_addresses = '127.0.0.1'
			unix_socket_directories = ''
		CONF
	fi
}

start_private() {
	local bin port
	bin=$(pg_bin) || no_postgres
	if private_running "$bin"; then
		port=$(cat "$PORT_FILE")
		url_for "$port"
		return
	fi
	init_private "$bin"
	port=""
	[[ -f $PORT_FILE ]] && port=$(cat "$PORT_FILE")
	if [[ -z $port ]] || port_in_use "$port"; then
		port=$(free_port)
		echo "$port" >"$PORT_FILE"
	fi
	say "starting the private cluster on 127.0.0.1:$port (log: ${LOG_FILE#"$ROOT"/}; stop: tools/dev/pg.sh stop)"
	as_pg "$bin/pg_ctl" -D "$PGDATA_DIR" -l "$LOG_FILE" -o "-p $port" -w -t 60 start >/dev/null ||
		die "the private cluster did not start; see ${LOG_FILE#"$ROOT"/}"
	ensure_database 127.0.0.1 "$port"
	url_for "$port"
}

cmd=${1:-url}
case $cmd in
url)
	if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
		ensure_database 127.0.0.1 5432
		url_for 5432
	else
		start_private
	fi
	;;
private)
	start_private
	;;
status)
	bin=$(pg_bin) || no_postgres
	if private_running "$bin"; then
		echo "running: $(url_for "$(cat "$PORT_FILE")")"
	else
		echo "not running"
		exit 3
	fi
	;;
stop)
	bin=$(pg_bin) || no_postgres
	if private_running "$bin"; then
		as_pg "$bin/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null
		say "stopped the private cluster"
	else
		say "the private cluster is not running"
	fi
	;;
*)
	die "usage: tools/dev/pg.sh [url|private|status|stop]"
	;;
esac
