#!/usr/bin/env bash
# make bench: Storefront's GET /v1/me under load against a bare net/http handler doing the same SELECT
# (cmd/bench-baseline), plus start-to-ready time and idle memory. Loopback only; everything it starts
# (processes, a throwaway database, a temp dir) is removed on exit.
#
# Settings (environment):
#   BENCH_ADMIN_DATABASE_URL  server to create the throwaway database on
#                             (default TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)
#   BENCH_DURATION 15s  BENCH_CONNECTIONS 64  BENCH_THREADS 2  BENCH_WARMUP 3s (0 to skip)
#   BENCH_POOL_MAX_CONNS 16   database pool size of both programs (the server's DATABASE_MAX_CONNS
#                             default), so both get the same pool
#   BENCH_PROFILE FILE        also write a 5 s CPU profile of the server under load to FILE
#                             (read it with `go tool pprof -top FILE`)
# The server's per-IP API limit is off (API_RATE_LIMIT=0): one client IP sends everything, so a limit
# would measure 429s. Any other variable the server reads passes through from the environment.
set -euo pipefail

cd "$(dirname "$0")/../.."

DURATION=${BENCH_DURATION:-15s}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
WARMUP=${BENCH_WARMUP:-3s}
ADMIN_URL=${BENCH_ADMIN_DATABASE_URL:-${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}}

# Goals (DESIGN: the service must not cost much more than the query it wraps).
GOAL_RATIO=0.8
GOAL_P99_FACTOR=1.5 # storefront p99 within this factor of the baseline's, in the same run
GOAL_RSS_MB=64
GOAL_START_MS=1000

say() { echo "bench: $*" >&2; }
die() {
	echo "bench: $*" >&2
	exit 1
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/storefront-bench.XXXXXX")
DB_NAME=bench_$(openssl rand -hex 6)
DB_CREATED=""
PIDS=()

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [[ -n $DB_CREATED ]]; then
		psql -w -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" >/dev/null 2>&1 ||
			say "could not drop database $DB_NAME; drop it by hand"
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools ------------------------------------------------------------------------------------------

if ! command -v wrk >/dev/null; then
	[[ $EUID -eq 0 ]] || die "wrk is missing: sudo apt-get install wrk"
	say "installing wrk"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
fi
for tool in psql curl openssl; do
	command -v "$tool" >/dev/null || die "$tool is missing"
done

say "building cmd/server and cmd/bench-baseline"
CGO_ENABLED=0 go build -trimpath -o "$WORK/server" ./cmd/server
CGO_ENABLED=0 go build -trimpath -o "$WORK/bench-baseline" ./cmd/bench-baseline

# --- database ---------------------------------------------------------------------------------------

# db_url ADMIN_URL NAME: the same server and parameters, another database.
db_url() { sed -E "s#^(postgres(ql)?://[^/]+)/[^?]*#\1/$2#" <<<"$1"; }

psql -w -q "$ADMIN_URL" -c "CREATE DATABASE \"$DB_NAME\"" >/dev/null ||
	die "cannot create a database on $ADMIN_URL (set BENCH_ADMIN_DATABASE_URL)"
DB_CREATED=1
DB_URL=$(db_url "$ADMIN_URL" "$DB_NAME")
POOL=${BENCH_POOL_MAX_CONNS:-16}
BASELINE_DB_URL=$DB_URL
if [[ $BASELINE_DB_URL == *\?* ]]; then BASELINE_DB_URL+="&"; else BASELINE_DB_URL+="?"; fi
BASELINE_DB_URL+="pool_max_conns=$POOL"
say "throwaway database $DB_NAME"

# --- helpers ----------------------------------------------------------------------------------------

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 20000))
		port_in_use "$p" || {
			echo "$p"
			return
		}
	done
	die "no free port"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_ready PID URL LOG: polls URL until it answers 2xx; fails early if the process died.
wait_ready() {
	local pid=$1 url=$2 log=$3
	for _ in $(seq 1 3000); do
		if curl -fs -o /dev/null --max-time 1 "$url"; then
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 30 "$log" >&2
			die "process exited before $url answered (log above)"
		fi
		sleep 0.01
	done
	tail -n 30 "$log" >&2
	die "$url not ready after 30 s"
}

stop() { # PID
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	local keep=() p
	for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

HTTP_PORT=$(free_port)
ADMIN_PORT=$(free_port)
SIM_PORT=$(free_port)
BASE_PORT=$(free_port)
BASE="http://127.0.0.1:$HTTP_PORT"
openssl genpkey -algorithm ed25519 -out "$WORK/jwt.pem" 2>/dev/null
DATA_KEY=$(openssl rand -base64 32)

start_server() { # LOGFILE; sets SERVER_PID
	HTTP_ADDR=127.0.0.1:$HTTP_PORT ADMIN_ADDR=127.0.0.1:$ADMIN_PORT SIM_ADDR=127.0.0.1:$SIM_PORT \
		DATABASE_URL=$DB_URL DATABASE_MAX_CONNS=$POOL JWT_PRIVATE_KEY_FILE=$WORK/jwt.pem DATA_ENCRYPTION_KEY=$DATA_KEY FILES_DIR=$WORK/files \
		UPSTREAM=${UPSTREAM:-sim} API_RATE_LIMIT=${API_RATE_LIMIT:-0} \
		"$WORK/server" >"$1" 2>&1 &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
}

# --- start-to-ready and idle memory ---------------------------------------------------------------

say "first start (applies migrations)"
t0=$(now_ms)
start_server "$WORK/server-1.log"
wait_ready "$SERVER_PID" "$BASE/readyz" "$WORK/server-1.log"
FIRST_START_MS=$(($(now_ms) - t0))
stop "$SERVER_PID"

say "second start (migrations already applied): timed"
t0=$(now_ms)
start_server "$WORK/server-2.log"
wait_ready "$SERVER_PID" "$BASE/readyz" "$WORK/server-2.log"
START_MS=$(($(now_ms) - t0))
sleep 2
RSS_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status")

# --- a signed-in user -------------------------------------------------------------------------------

EMAIL="bench-$(openssl rand -hex 4)@example.com"
PASSWORD=$(openssl rand -hex 16)
CREDS=$(printf '{"email":"%s","password":"%s"}' "$EMAIL" "$PASSWORD")

post_json() { # PATH BODY -> body on stdout; fails on non-2xx with the body shown
	local out status
	out=$(curl -sS -X POST "$BASE$1" -H 'Content-Type: application/json' -H 'Accept: application/json' \
		-H "Idempotency-Key: $(cat /proc/sys/kernel/random/uuid)" -d "$2" -w '\n%{http_code}')
	status=${out##*$'\n'}
	out=${out%$'\n'*}
	[[ $status == 2* ]] || die "POST $1: HTTP $status: $out"
	printf '%s' "$out"
}

post_json /v1/auth/signup "$CREDS" >/dev/null
TOKEN=$(post_json /v1/auth/login "$CREDS" | grep -o '"access_token" *: *"[^"]*"' | sed -E 's/.*"([^"]*)"$/\1/') || true
[[ -n $TOKEN ]] || die "POST /v1/auth/login: no access_token in the answer"
status=$(curl -s -o "$WORK/me.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$BASE/v1/me")
[[ $status == 200 ]] || die "GET /v1/me with the token: HTTP $status: $(cat "$WORK/me.json")"
USER_ID=$(psql -w -qAt "$(db_url "$ADMIN_URL" "$DB_NAME")" -c "SELECT id FROM users WHERE email = '$EMAIL'")
[[ -n $USER_ID ]] || die "user $EMAIL not found in the users table"
export BENCH_TOKEN=$TOKEN

# --- load -------------------------------------------------------------------------------------------

# load NAME URL: warm-up, then the measured run; leaves the result line in $WORK/NAME.result.
load() {
	local name=$1 url=$2
	if [[ $WARMUP != 0 ]]; then
		wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s tools/bench/me.lua "$url" >/dev/null
	fi
	say "$name: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency GET /v1/me"
	if [[ $name == storefront && -n ${BENCH_PROFILE:-} ]]; then
		(sleep 1 && curl -fsS -o "$BENCH_PROFILE" "http://127.0.0.1:$ADMIN_PORT/debug/pprof/profile?seconds=5") &
	fi
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s tools/bench/me.lua "$url" | tee "$WORK/$name.out" >&2
	grep '^BENCH_RESULT ' "$WORK/$name.out" >"$WORK/$name.result" || die "$name: wrk printed no result"
}

load storefront "$BASE/v1/me"
stop "$SERVER_PID"

BENCH_ADDR=127.0.0.1:$BASE_PORT DATABASE_URL=$BASELINE_DB_URL BENCH_USER_ID=$USER_ID \
	"$WORK/bench-baseline" >"$WORK/baseline.log" 2>&1 &
BASE_PID=$!
PIDS+=("$BASE_PID")
wait_ready "$BASE_PID" "http://127.0.0.1:$BASE_PORT/readyz" "$WORK/baseline.log"
load baseline "http://127.0.0.1:$BASE_PORT/v1/me"
stop "$BASE_PID"

# --- summary ----------------------------------------------------------------------------------------

field() { sed -E "s/.* $2=([^ ]+).*/\1/" "$WORK/$1.result"; }

awk -v s_rps="$(field storefront rps)" -v b_rps="$(field baseline rps)" \
	-v s_p50="$(field storefront p50_us)" -v s_p99="$(field storefront p99_us)" \
	-v b_p50="$(field baseline p50_us)" -v b_p99="$(field baseline p99_us)" \
	-v s_err="$(field storefront non2xx)" -v b_err="$(field baseline non2xx)" \
	-v s_sock="$(($(field storefront connect) + $(field storefront read) + $(field storefront write) + $(field storefront timeout)))" \
	-v rss_kb="$RSS_KB" -v start_ms="$START_MS" -v first_ms="$FIRST_START_MS" \
	-v g_ratio="$GOAL_RATIO" -v g_p99="$GOAL_P99_FACTOR" -v g_rss="$GOAL_RSS_MB" -v g_start="$GOAL_START_MS" \
	-v conns="$CONNECTIONS" -v dur="$DURATION" -v pool="$POOL" '
function mark(ok) { if (!ok) missed++; return ok ? "ok  " : "MISS" }
BEGIN {
	ratio = b_rps > 0 ? s_rps / b_rps : 0
	printf "\n== GET /v1/me, %s connections, %s, pool %s ==\n", conns, dur, pool
	printf "%-26s %12s %12s\n", "", "storefront", "baseline"
	printf "%-26s %12.0f %12.0f\n", "requests/s", s_rps, b_rps
	printf "%-26s %12.2f %12.2f\n", "p50 latency (ms)", s_p50 / 1000, b_p50 / 1000
	printf "%-26s %12.2f %12.2f\n", "p99 latency (ms)", s_p99 / 1000, b_p99 / 1000
	printf "%-26s %12d %12d\n", "non-2xx responses", s_err, b_err
	printf "\n%s ratio storefront/baseline  %.2f   (goal >= %.1f)\n", mark(ratio >= g_ratio), ratio, g_ratio
	printf "%s p99 latency               %.2f ms (goal <= %.1f x baseline = %.2f ms)\n", mark(s_p99 <= g_p99 * b_p99), s_p99 / 1000, g_p99, g_p99 * b_p99 / 1000
	printf "%s idle RSS                  %.1f MB (goal <= %d MB)\n", mark(rss_kb / 1024 <= g_rss), rss_kb / 1024, g_rss
	printf "%s start to ready            %d ms  (goal <= %d ms; first start with migrations: %d ms)\n", mark(start_ms <= g_start), start_ms, g_start, first_ms
	printf "%s every response 2xx        %d non-2xx, %d socket errors\n", mark(s_err == 0 && b_err == 0 && s_sock == 0), s_err + b_err, s_sock
	if (missed) { printf "\n%d goal(s) missed\n", missed; exit 1 }
	printf "\nall goals met\n"
}'
