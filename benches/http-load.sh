#!/usr/bin/env bash
# HTTP load against the release binary serving the demo city (SQLite), with
# wrk (`apt-get install wrk`; any load generator will do). One command
# measures, in order:
# - start-up: exec to the first 200 of GET /api/v1/health on an empty data
#   directory (migrations, geodata, key), median of 7;
# - reads at 32 connections: the framework's ceiling (GET /api/v1/health),
#   GET /api/v1/addresses/{id}, GET /api/v1/addresses/{id}/dossier (audited)
#   and GET /api/v1/addresses/{id}/signals, each with its ratio to /health;
# - the list endpoints' latency (/neighbourhoods, /signals first page,
#   /hotspots): the first request after a kept map went stale (median of
#   7), then the median and maximum of 20 while it is kept.
# Filings have a benchmark of their own: benches/filing-load.sh.
# Loopback only; every run is bounded in time.
#
#   cargo build --release --locked && bash benches/http-load.sh [--scale N] [SECONDS]
#
# SECONDS is each wrk run's length (default 20); reads use 32 connections.
set -euo pipefail

scale=1
if [[ "${1:-}" == "--scale" ]]; then
  scale="$2"
  shift 2
fi
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${WOONREGISTER_BIN:-${CARGO_TARGET_DIR:-$repo_root/target}/release/woonregister}"
seconds="${1:-20}"
read_connections=32
work="$(mktemp -d "${TMPDIR:-/tmp}/woonregister-load.XXXXXX")"
export ROCKET_PORT="${ROCKET_PORT:-18322}"
export ROCKET_LOG_LEVEL=off
api="http://127.0.0.1:$ROCKET_PORT/api/v1"
server=""
cleanup() {
  [[ -z "$server" ]] || kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf -- "$work"
}
trap cleanup EXIT

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

echo "== start-up on an empty data directory, exec to the first 200 of /health (median of 7, ms)"
for i in 1 2 3 4 5 6 7; do
  empty="$work/empty-$i"
  started=$(date +%s%N)
  WOONREGISTER_DATA_DIR="$empty" WOONREGISTER_DATABASE_URL="$empty/woonregister.sqlite3" \
    "$bin" serve >/dev/null 2>&1 &
  server=$!
  until curl -sf -o /dev/null "$api/health"; do sleep 0.002; done
  echo $((($(date +%s%N) - started) / 1000000))
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=""
done | median | sed 's/$/ ms/'

export WOONREGISTER_DATA_DIR="$work/data"
export WOONREGISTER_DATABASE_URL="$work/data/woonregister.sqlite3"
"$bin" demo --scale "$scale" >/dev/null
staff=$("$bin" token issue --role staff --subject load --ttl 2h 2>/dev/null)
inspector=$("$bin" token issue --role inspector --subject load --ttl 2h 2>/dev/null)
"$bin" serve >/dev/null 2>&1 &
server=$!
until curl -sf "$api/health" >/dev/null; do sleep 0.05; done
addresses=$(curl -sf -H "Authorization: Bearer $staff" "$api/addresses?pageSize=1" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])')
echo "== demo city at scale $scale: $addresses addresses"

# Reads of random addresses; SUFFIX picks the resource under the address.
cat >"$work/read.lua" <<LUA
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.headers["X-Purpose"] = "load test"
local suffix = os.getenv("SUFFIX") or ""
request = function()
  return wrk.format("GET", "/api/v1/addresses/" .. math.random(1, $addresses) .. suffix)
end
LUA

# One wrk run at 32 connections; its requests per second go to $work/rate.
reads() {
  echo "== $1 ($read_connections connections)"
  shift
  wrk --latency -t 2 -c "$read_connections" -d "${seconds}s" "$@" >"$work/wrk.out"
  grep -E "Requests/sec|Non-2xx|^ +(50|99)%" "$work/wrk.out"
  awk '/Requests\/sec/ {print $2}' "$work/wrk.out" >"$work/rate"
}
reads "GET /api/v1/health (ceiling)" "$api/health"
health=$(cat "$work/rate")
for resource in "" /dossier /signals; do
  role=$staff
  [[ "$resource" != /dossier ]] || role=$inspector
  TOKEN=$role SUFFIX=$resource reads "GET /api/v1/addresses/{id}$resource" \
    -s "$work/read.lua" "http://127.0.0.1:$ROCKET_PORT"
  awk -v r="$(cat "$work/rate")" -v h="$health" 'BEGIN {printf "  ratio to /health: %.2f\n", r / h}'
done

echo "== list endpoints (staff): the first request once the kept result is stale (median of 7),"
echo "   then the median and max of 20 while it is kept (ms)"
for path in neighbourhoods "signals" "hotspots"; do
  for i in 1 2 3 4 5 6 7; do
    # Maps are kept for 2 s; after that the next request computes them.
    sleep 2.1
    curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $staff" "$api/$path"
  done | awk '{print $1 * 1000}' | median >"$work/first"
  for i in $(seq 1 20); do
    curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $staff" "$api/$path"
  done | sort -n | awk -v p="/$path" -v first="$(cat "$work/first")" '{v[NR] = $1 * 1000}
    END {printf "%-16s first %.1f  median %.1f  max %.1f\n", p, first, v[int((NR + 1) / 2)], v[NR]}'
done
