#!/usr/bin/env bash
# HTTP load against the release binary serving the demo city (SQLite), with
# wrk (`apt-get install wrk`; any load generator will do): the framework's
# ceiling (GET /api/v1/health), address reads (GET /api/v1/addresses/{id})
# and declaration filings (POST /api/v1/declarations), then batch filing
# throughput (POST /api/v1/declaration-batches, 1 000 per batch). Loopback
# only; every run is bounded in time.
#
#   cargo build --release --locked && bash benches/http-load.sh [SECONDS] [CONNECTIONS]
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${WOONREGISTER_BIN:-${CARGO_TARGET_DIR:-$repo_root/target}/release/woonregister}"
seconds="${1:-20}"
connections="${2:-16}"
work="$(mktemp -d "${TMPDIR:-/tmp}/woonregister-load.XXXXXX")"
export WOONREGISTER_DATA_DIR="$work/data"
export WOONREGISTER_DATABASE_URL="$work/data/woonregister.sqlite3"
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

"$bin" demo >/dev/null
staff=$("$bin" token issue --role staff --subject load --ttl 2h 2>/dev/null)
agency=$("$bin" token issue --role agency --org 70000000 --subject load --ttl 2h 2>/dev/null)
"$bin" serve >/dev/null 2>&1 &
server=$!
until curl -sf "$api/health" >/dev/null; do sleep 0.5; done

# A dwelling of the demo city to file at.
first=$(curl -sf -H "Authorization: Bearer $staff" "$api/addresses?postcode=3131AA&pageSize=1")
postcode=$(grep -o '"postcode":"[^"]*"' <<<"$first" | head -1 | cut -d'"' -f4)
number=$(grep -o '"houseNumber":[0-9]*' <<<"$first" | head -1 | cut -d: -f2)

cat >"$work/file.lua" <<LUA
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $agency"
request = function()
  n = n + 1
  local body = string.format('{"worker":{"bsn":null,"familyName":"Load %d-%d","givenNames":"A","dateOfBirth":"1990-01-01","nationality":"PL"},"address":{"postcode":"$postcode","houseNumber":$number,"houseLetter":null,"houseNumberAddition":null},"landlordKvkNumber":"70000100","household":null,"startDate":"2026-11-01","endDate":null,"rentPerMonthEur":450,"rentDeductedFromWages":false,"separateRentalContract":true}', math.random(1, 1000000000), n)
  return wrk.format(nil, "/api/v1/declarations", nil, body)
end
LUA
cat >"$work/read.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $staff"
request = function()
  return wrk.format("GET", "/api/v1/addresses/" .. math.random(1, 37000))
end
LUA

run() {
  echo "== $1"
  shift
  wrk --latency -t 2 -c "$connections" -d "${seconds}s" "$@" | grep -E "Requests/sec|Non-2xx|^ +(50|99)%"
}
run "GET /api/v1/health (ceiling)" "$api/health"
run "GET /api/v1/addresses/{id} (staff)" -s "$work/read.lua" "http://127.0.0.1:$ROCKET_PORT"
run "POST /api/v1/declarations (agency)" -s "$work/file.lua" "http://127.0.0.1:$ROCKET_PORT"

echo "== POST /api/v1/declaration-batches, 5 batches of 1 000"
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
