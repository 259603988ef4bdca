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
