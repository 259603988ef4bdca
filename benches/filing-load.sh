#!/usr/bin/env bash
# Filing throughput of the release binary on the demo city at a scale
# (1: ~40 000 addresses, 10: ~400 000), with its anchors measured in the
# same run on the same disk:
#   - single filings: POST /api/v1/declarations from CONNECTIONS clients (wrk),
#     against one commit per row into a SQLite file (WAL, synchronous=FULL,
#     as the service runs it);
#   - batch filings: POST /api/v1/declaration-batches of 1 000 declarations
#     spread over the city, against one `executemany` transaction.
# Every filing is at a different dwelling of 5 000 spread over the city, by a
# new worker. Loopback only; every run is bounded in time.
#
#   cargo build --release --locked && bash benches/filing-load.sh [SCALE] [SECONDS] [CONNECTIONS]
#   # on PostgreSQL (a throw-away cluster):
#   bash .ci/with-postgres bash -c 'WOONREGISTER_DATABASE_URL=$PG_URL bash benches/filing-load.sh 1'
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${WOONREGISTER_BIN:-${CARGO_TARGET_DIR:-$repo_root/target}/release/woonregister}"
scale="${1:-1}"
seconds="${2:-20}"
connections="${3:-16}"
work="$(mktemp -d "${TMPDIR:-/tmp}/woonregister-filing.XXXXXX")"
export WOONREGISTER_DATA_DIR="$work/data"
export WOONREGISTER_DATABASE_URL="${WOONREGISTER_DATABASE_URL:-$work/data/woonregister.sqlite3}"
export ROCKET_PORT="${ROCKET_PORT:-18323}"
export ROCKET_LOG_LEVEL=off
api="http://127.0.0.1:$ROCKET_PORT/api/v1"
server=""
cleanup() {
  [[ -z "$server" ]] || kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf -- "$work"
}
trap cleanup EXIT

echo "database: ${WOONREGISTER_DATABASE_URL%%\?*}"
"$bin" demo --scale "$scale" --force | tail -n 1
staff=$("$bin" token issue --role staff --subject load --ttl 2h 2>/dev/null)
agency=$("$bin" token issue --role agency --org 70000000 --subject load --ttl 2h 2>/dev/null)
"$bin" serve >/dev/null 2>&1 &
server=$!
until curl -sf "$api/health" >/dev/null; do sleep 0.2; done

# 5 000 dwellings spread over the city: ten pages of 500 at even steps.
total=$(curl -sf -H "Authorization: Bearer $staff" "$api/addresses?pageSize=1" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])')
pages=$((total / 500))
for k in $(seq 0 9); do
  curl -sf -H "Authorization: Bearer $staff" \
    "$api/addresses?pageSize=500&page=$((1 + k * pages / 10))"
  echo
done >"$work/addresses.jsonl"
python3 - "$work" <<'PY'
import json, random, sys
work = sys.argv[1]
places = []
for line in open(f"{work}/addresses.jsonl"):
    for a in json.loads(line)["items"]:
        if a.get("usagePurpose") == "residential":
            places.append({k: a.get(k) for k in ("postcode", "houseNumber", "houseLetter", "houseNumberAddition")})
with open(f"{work}/places.lua", "w") as out:
    out.write("places = {" + ",".join("[[%s]]" % json.dumps(p) for p in places) + "}\n")
random.seed(1)
def declaration(name, place):
    return {"worker": {"bsn": None, "familyName": name, "givenNames": "B", "dateOfBirth": "1990-01-01",
                       "nationality": "RO"},
            "address": place, "landlordKvkNumber": "70000100", "household": None,
            "startDate": "2026-11-01", "endDate": None, "rentPerMonthEur": 450,
            "rentDeductedFromWages": False, "separateRentalContract": True}
for b in range(5):
    batch = [declaration(f"Batch {b}-{i}", random.choice(places)) for i in range(1000)]
    with open(f"{work}/batch{b}.json", "w") as out:
        json.dump({"declarations": batch}, out)
print(f"{len(places)} dwellings to file at")
PY

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

echo "== POST /api/v1/declarations, $connections clients, ${seconds} s"
wrk --latency -t 2 -c "$connections" -d "${seconds}s" -s "$work/file.lua" "http://127.0.0.1:$ROCKET_PORT" |
  grep -E "Requests/sec|Non-2xx|^ +(50|90|99)%"

echo "== POST /api/v1/declaration-batches, 5 batches of 1 000 spread over the city"
for b in 0 1 2 3 4; do
  curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $agency" \
    -H 'Content-Type: application/json' --data-binary @"$work/batch$b.json" "$api/declaration-batches"
done | sort -n | awk '{t[NR] = $1} END {printf "median %.3f s per 1 000 = %.0f declarations/s\n", t[3], 1000 / t[3]}'

echo "== anchors: SQLite on the same disk (WAL, synchronous=FULL)"
python3 - "$work/anchor.sqlite3" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = FULL")
db.execute("CREATE TABLE filings (id INTEGER PRIMARY KEY, name TEXT NOT NULL, address_id INTEGER NOT NULL)")
n, started = 0, time.perf_counter()
while time.perf_counter() - started < 3:
    db.execute("BEGIN")
    db.execute("INSERT INTO filings (name, address_id) VALUES (?, ?)", (f"row {n}", n % 5000))
    db.execute("COMMIT")
    n += 1
print(f"one commit per row: {n / (time.perf_counter() - started):.0f} rows/s")
rows = [(f"batch {i}", i % 5000) for i in range(200_000)]
started = time.perf_counter()
db.execute("BEGIN")
db.executemany("INSERT INTO filings (name, address_id) VALUES (?, ?)", rows)
db.execute("COMMIT")
print(f"executemany in one transaction: {len(rows) / (time.perf_counter() - started):.0f} rows/s")
PY
