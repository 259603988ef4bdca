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
#   /hotspots): the first request, then the median and maximum of 20;
# - declaration filings (POST /api/v1/declarations), then batch filing
#   throughput (POST /api/v1/declaration-batches, 1 000 per batch).
# Loopback only; every run is bounded in time.
#
#   cargo build --release --locked && bash benches/http-load.sh [--scale N] [SECONDS] [CONNECTIONS]
#
# SECONDS is each wrk run's length (default 20), CONNECTIONS the filing
# runs' connections (default 16); reads always use 32.
set -euo pipefail

scale=1
if [[ "${1:-}" == "--scale" ]]; then
  scale="$2"
  shift 2
fi
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${WOONREGISTER_BIN:-${CARGO_TARGET_DIR:-$repo_root/target}/release/woonregister}"
seconds="${1:-20}"
connections="${2:-16}"
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
agency=$("$bin" token issue --role agency --org 70000000 --subject load --ttl 2h 2>/dev/null)
"$bin" serve >/dev/null 2>&1 &
server=$!
until curl -sf "$api/health" >/dev/null; do sleep 0.05; done
addresses=$(curl -sf -H "Authorization: Bearer $staff" "$api/addresses?pageSize=1" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])')
echo "== demo city at scale $scale: $addresses addresses"

# 500 dwellings of the demo city to file at, as a Lua table.
curl -sf -H "Authorization: Bearer $staff" "$api/addresses?pageSize=500" >"$work/addresses.json"
python3 - "$work/addresses.json" >"$work/places.lua" <<'PY'
import json, sys
items = json.load(open(sys.argv[1]))["items"]
rows = []
for a in items:
    if a.get("usagePurpose") != "residential":
        continue
    letter = json.dumps(a.get("houseLetter"))
    addition = json.dumps(a.get("houseNumberAddition"))
    rows.append('[[{"postcode":"%s","houseNumber":%d,"houseLetter":%s,"houseNumberAddition":%s}]]'
                % (a["postcode"], a["houseNumber"], letter, addition))
print("places = {" + ",".join(rows) + "}")
PY
postcode=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["items"][0]["postcode"])' "$work/addresses.json")
number=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["items"][0]["houseNumber"])' "$work/addresses.json")

cat >"$work/file.lua" <<LUA
dofile("$work/places.lua")
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $agency"
request = function()
  n = n + 1
  local place = places[math.random(1, #places)]
  local body = string.format('{"worker":{"bsn":null,"familyName":"Load %d-%d","givenNames":"A","dateOfBirth":"1990-01-01","nationality":"PL"},"address":%s,"landlordKvkNumber":"70000100","household":null,"startDate":"2026-11-01","endDate":null,"rentPerMonthEur":450,"rentDeductedFromWages":false,"separateRentalContract":true}', math.random(1, 1000000000), n, place)
  return wrk.format(nil, "/api/v1/declarations", nil, body)
end
LUA
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

echo "== list endpoints (staff): first request, then median and max of 20 (ms)"
for path in neighbourhoods "signals" "hotspots"; do
  for i in $(seq 0 20); do
    curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $staff" "$api/$path"
  done >"$work/times"
  first=$(head -n 1 "$work/times")
  tail -n +2 "$work/times" | sort -n | awk -v p="/$path" -v first="$first" '{v[NR] = $1 * 1000}
    END {printf "%-16s first %.1f  median %.1f  max %.1f\n", p, first * 1000, v[int((NR + 1) / 2)], v[NR]}'
done

run() {
  echo "== $1"
  shift
  wrk --latency -t 2 -c "$connections" -d "${seconds}s" "$@" | grep -E "Requests/sec|Non-2xx|^ +(50|99)%"
}
run "POST /api/v1/declarations (agency)" -s "$work/file.lua" "http://127.0.0.1:$ROCKET_PORT"

echo "== POST /api/v1/declaration-batches, 5 batches of 1 000 (all at one dwelling)"
{
  printf '{"declarations":['
  for i in $(seq 1 1000); do
    [[ $i -eq 1 ]] || printf ','
    printf '{"worker":{"bsn":null,"familyName":"Batch %d","givenNames":"B","dateOfBirth":"1990-01-01","nationality":"RO"},"address":{"postcode":"%s","houseNumber":%s,"houseLetter":null,"houseNumberAddition":null},"landlordKvkNumber":"70000100","household":null,"startDate":"2026-11-01","endDate":null,"rentPerMonthEur":450,"rentDeductedFromWages":false,"separateRentalContract":true}' "$i" "$postcode" "$number"
  done
  printf ']}'
} >"$work/batch.json"
for i in 1 2 3 4 5; do
  curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $agency" \
    -H 'Content-Type: application/json' --data-binary @"$work/batch.json" "$api/declaration-batches"
done | sort -n | awk '{t[NR] = $1} END {printf "median %.2f s per 1 000 = %.0f declarations/s\n", t[3], 1000 / t[3]}'
