#!/usr/bin/env python3
"""The robustness suite of woonregister: one run against one database.

Starts the release service (given with --binary) on SQLite in a temporary
data directory, or on PostgreSQL (--database postgres; the server named by
PG_URL, where a fresh database is created), seeds addresses with
`woonregister import addresses`, issues a token per role, and then:

1. mixed load: --clients concurrent clients for --duration seconds, of which
   --batch-clients post 1 000-item declaration batches and the rest file
   single declarations and read; every 5xx or broken connection is a failure;
   p50/p99 of single filings are reported;
2. odd input: NUL, control and bidi characters in every string field of every
   request body and in every query value, malformed JSON, wrong
   Content-Type, a batch over the limit, a body over 1 MiB, bad dates such as
   2026-11-1: each must be a 4xx answered as application/problem+json;
3. cross-agency: agency B never reads, changes or withdraws agency A's
   declaration (404), and learns nothing about a BSN another agency filed;
4. kills: SIGKILL the server while clients file, restart it, and check that
   every acknowledged (201) filing is there, that every declaration has its
   occupancy, and that `woonregister audit verify` passes.

Only the Python standard library is used, and only loopback is contacted.
Exits non-zero when any check fails; prints a summary either way.
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

API = "/api/v1"
PROBLEM = "application/problem+json"
# Characters that no free-text field or query value may hold.
ODD_CHARACTERS = {
    "NUL": "\u0000",
    "BEL": "\u0007",
    "ESC": "\u001b",
    "DEL": "\u007f",
    "C1 NEL": "\u0085",
    "RLO": "\u202e",
    "RLI": "\u2067",
    "RLM": "\u200f",
}
BAD_DATES = ["2026-11-1", "2026-1-01", "26-11-01", "2026-13-01", "2026-02-30",
             "2026-11-01T00:00:00Z", "20261101", " 2026-11-01", "２０２６-11-01"]
AGENCY_A = "11111111"
AGENCY_B = "22222222"
LOAD_AGENCIES = ["31000001", "31000002", "31000003", "31000004", "31000005"]
BATCH_SIZE = 1000


class Failures:
    """Collects failed checks; a thread-safe list with a printed cap."""

    def __init__(self):
        self.items = []
        self.passed = 0
        self.lock = threading.Lock()

    def pass_(self):
        with self.lock:
            self.passed += 1

    def add(self, what):
        with self.lock:
            self.items.append(what)
            if len(self.items) <= 20:
                print(f"  FAIL {what}", flush=True)

    def report(self):
        """The failures per part of the suite: a count and the first few."""
        parts = {}
        for item in self.items:
            parts.setdefault(item.split(":", 1)[0], []).append(item)
        for part, items in parts.items():
            print(f"-- {part}: {len(items)} failed checks; the first ones:")
            for item in items[:6]:
                print(f"   {item[:400]}")


FAILURES = Failures()


def check(condition, what):
    if condition:
        FAILURES.pass_()
    else:
        FAILURES.add(what)
    return condition


# --------------------------------------------------------------------------
# Test data


def valid_bsn(rng):
    """A random BSN that passes the 11-proef."""
    while True:
        digits = [rng.randrange(10) for _ in range(8)]
        if digits[0] == 0:
            continue
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1)))
        last = total % 11
        if last < 10:
            return "".join(map(str, digits)) + str(last)


POSTCODES = [f"3131{a}{b}" for a in "ABCE" for b in "AKMT"]
HOUSE_NUMBERS = range(1, 14)


def addresses():
    """The seeded addresses: (postcode, house number, latitude, longitude)."""
    rows = []
    for i, postcode in enumerate(POSTCODES):
        for n in HOUSE_NUMBERS:
            rows.append((postcode, n, 51.905 + i * 0.0005, 4.335 + n * 0.0005))
    return rows


def address_csv(path):
    with open(path, "w", encoding="utf-8") as f:
        f.write("bagId,postcode,houseNumber,houseLetter,houseNumberAddition,street,city,"
                "usagePurpose,floorAreaM2,bedrooms,latitude,longitude\n")
        for postcode, n, lat, lon in addresses():
            f.write(f",{postcode},{n},,,Markt,Vlaardingen,residential,64,2,{lat:.6f},{lon:.6f}\n")


FAMILY = ["Nowak", "Kowalska", "Popescu", "Ionescu", "Horvat", "Kazlauskas", "Petrov", "Szabó"]
GIVEN = ["Jan", "Ana", "Marek", "Ioana", "Luka", "Greta", "Oleh", "Zsófia"]


def random_worker(rng, bsn=True):
    return {
        "bsn": valid_bsn(rng) if bsn else None,
        "familyName": rng.choice(FAMILY) + f"-{rng.randrange(10**6)}",
        "givenNames": rng.choice(GIVEN),
        "dateOfBirth": f"19{rng.randrange(60, 99)}-0{rng.randrange(1, 10)}-1{rng.randrange(10)}",
        "nationality": rng.choice(["PL", "RO", "BG", "LT", "HR"]),
    }


# Workers that batches and single filings share, so that concurrent writers
# name the same people (the case that deadlocked on PostgreSQL).
SHARED_WORKERS = [random_worker(random.Random(f"worker-{i}")) for i in range(2000)]


def declaration(rng, bsn=True, agency=None, shared=False):
    postcode, n, _, _ = rng.choice(addresses())
    worker = dict(rng.choice(SHARED_WORKERS)) if shared else random_worker(rng, bsn)
    body = {
        "worker": worker,
        "address": {"postcode": postcode, "houseNumber": n, "houseLetter": None,
                    "houseNumberAddition": None},
        "landlordKvkNumber": "87654321",
        "household": f"h{rng.randrange(1000)}",
        "startDate": "2026-11-01",
        "endDate": None,
        "rentPerMonthEur": 450.00,
        "rentDeductedFromWages": rng.random() < 0.5,
        "separateRentalContract": False,
    }
    if agency is not None:
        body["agencyKvkNumber"] = agency
    return body


# --------------------------------------------------------------------------
# HTTP


class Reply:
    def __init__(self, status, content_type, body):
        self.status = status
        self.content_type = (content_type or "").split(";")[0].strip()
        self.body = body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class Client:
    """One keep-alive connection to the service; reconnects after an error."""

    def __init__(self, port, timeout=120):
        self.port = port
        self.timeout = timeout
        self.conn = None

    def send(self, method, path, token=None, body=None, content_type="application/json",
             headers=None, raw=None):
        data = raw
        if data is None and body is not None:
            data = json.dumps(body).encode()
        all_headers = {}
        if data is not None and content_type is not None:
            all_headers["Content-Type"] = content_type
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        all_headers.update(headers or {})
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            self.conn.putrequest(method, path, skip_accept_encoding=True)
            for name, value in all_headers.items():
                self.conn.putheader(name, value)
            if data is not None:
                self.conn.putheader("Content-Length", str(len(data)))
            self.conn.endheaders(data)
            response = self.conn.getresponse()
            payload = response.read()
            reply = Reply(response.status, response.getheader("Content-Type"), payload)
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return reply
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# --------------------------------------------------------------------------
# The service


class Service:
    """The release service as a child process, with its data directory."""

    def __init__(self, binary, workdir, database_url):
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.env = dict(os.environ)
        self.env.update({
            "WOONREGISTER_DATABASE_URL": database_url,
            "WOONREGISTER_DATA_DIR": workdir,
            "ROCKET_ADDRESS": "127.0.0.1",
            "ROCKET_PORT": str(self.port),
            "ROCKET_LOG_LEVEL": "critical",
        })
        self.log_path = os.path.join(workdir, "server.log")
        self.process = None

    def command(self, *args, check_ok=True):
        result = subprocess.run([self.binary, *args], cwd=self.workdir, env=self.env,
                                capture_output=True, text=True, timeout=600)
        if check_ok and result.returncode != 0:
            raise RuntimeError(f"woonregister {' '.join(args)} failed: {result.stderr.strip()}")
        return result

    def token(self, role, subject, org=None):
        args = ["token", "issue", "--role", role, "--subject", subject, "--ttl", "2h"]
        if org:
            args += ["--org", org]
        return self.command(*args).stdout.strip()

    def start(self):
        log = open(self.log_path, "a", encoding="utf-8")
        self.process = subprocess.Popen([self.binary, "serve"], cwd=self.workdir, env=self.env,
                                        stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the service exited at start:\n{self.log_tail()}")
            try:
                reply = Client(self.port, timeout=5).send("GET", f"{API}/health")
                if reply.status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the service did not answer /health within 120 s")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# --------------------------------------------------------------------------
# 1. Mixed load


def mixed_load(service, tokens, duration, clients, batch_clients, seed):
    print(f"\n[1] mixed load: {clients} clients ({batch_clients} posting {BATCH_SIZE}-item "
          f"batches) for {duration:.0f} s", flush=True)
    stop_at = time.monotonic() + duration
    lock = threading.Lock()
    stats = {"requests": 0, "5xx": 0, "transport": 0, "filings": 0, "batches": 0,
             "batch_items_stored": 0, "statuses": {}}
    filing_latencies = []
    batch_latencies = []
    own_ids = {kvk: [] for kvk in LOAD_AGENCIES}

    def count(reply, what):
        with lock:
            stats["requests"] += 1
            stats["statuses"][reply.status] = stats["statuses"].get(reply.status, 0) + 1
            if reply.status >= 500:
                stats["5xx"] += 1
        check(reply.status < 500, f"load: {what} -> {reply.status} {reply.body[:300]!r}")

    def batch_worker(index):
        rng = random.Random(seed * 1000 + index)
        client = Client(service.port, timeout=300)
        kvk = LOAD_AGENCIES[index % len(LOAD_AGENCIES)]
        while time.monotonic() < stop_at:
            body = {"declarations": [declaration(rng, bsn=rng.random() < 0.7,
                                                 shared=rng.random() < 0.5)
                                     for _ in range(BATCH_SIZE)]}
            started = time.monotonic()
            try:
                reply = client.send("POST", f"{API}/declaration-batches",
                                    tokens["agency"][kvk], body)
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    stats["transport"] += 1
                FAILURES.add(f"load: batch transport error {error!r}")
                continue
            count(reply, "POST /declaration-batches")
            if reply.status == 200:
                results = (reply.json() or {}).get("results", [])
                with lock:
                    stats["batches"] += 1
                    batch_latencies.append(time.monotonic() - started)
                    stats["batch_items_stored"] += sum(1 for r in results if r.get("status") == 201)
                bad = [r for r in results if r.get("status", 0) >= 500]
                check(not bad, f"load: batch items answered 5xx: {bad[:3]}")
                check(len(results) == BATCH_SIZE,
                      f"load: a batch reported {len(results)} results for {BATCH_SIZE} items")

    def single_worker(index):
        rng = random.Random(seed * 1000 + index)
        client = Client(service.port)
        kvk = LOAD_AGENCIES[index % len(LOAD_AGENCIES)]
        agency = tokens["agency"][kvk]
        while time.monotonic() < stop_at:
            choice = rng.random()
            try:
                if choice < 0.5:
                    started = time.monotonic()
                    reply = client.send("POST", f"{API}/declarations", agency,
                                        declaration(rng, bsn=rng.random() < 0.7,
                                                    shared=rng.random() < 0.5))
                    elapsed = time.monotonic() - started
                    count(reply, "POST /declarations")
                    check(reply.status == 201 or reply.status >= 500,
                          f"load: single filing -> {reply.status} {reply.body[:200]!r}")
                    if reply.status == 201:
                        with lock:
                            stats["filings"] += 1
                            filing_latencies.append(elapsed)
                            own_ids[kvk].append((reply.json() or {}).get("id"))
                elif choice < 0.65:
                    ids = own_ids[kvk]
                    if ids:
                        reply = client.send("GET", f"{API}/declarations/{rng.choice(ids)}", agency)
                        count(reply, "GET /declarations/{id}")
                        check(reply.status == 200 or reply.status >= 500,
                              f"load: own declaration -> {reply.status}")
                elif choice < 0.75:
                    reply = client.send("GET", f"{API}/declarations?pageSize=50", agency)
                    count(reply, "GET /declarations")
                elif choice < 0.85:
                    postcode, n, _, _ = rng.choice(addresses())
                    reply = client.send("GET", f"{API}/addresses?postcode={postcode}&houseNumber={n}",
                                        agency)
                    count(reply, "GET /addresses?postcode")
                elif choice < 0.93:
                    reply = client.send("GET", f"{API}/signals?pageSize=100", tokens["staff"])
                    count(reply, "GET /signals")
                elif choice < 0.97:
                    reply = client.send("GET", f"{API}/addresses/{rng.randrange(1, 60)}/signals",
                                        tokens["inspector"])
                    count(reply, "GET /addresses/{id}/signals")
                else:
                    reply = client.send("GET", f"{API}/neighbourhoods", tokens["inspector"])
                    count(reply, "GET /neighbourhoods")
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    stats["transport"] += 1
                FAILURES.add(f"load: transport error {error!r}")

    threads = [threading.Thread(target=batch_worker, args=(i,)) for i in range(batch_clients)]
    threads += [threading.Thread(target=single_worker, args=(i,))
                for i in range(batch_clients, clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    result = {
        "seconds": round(elapsed, 1),
        "requests": stats["requests"],
        "status_counts": dict(sorted(stats["statuses"].items())),
        "server_errors": stats["5xx"],
        "transport_errors": stats["transport"],
        "single_filings": stats["filings"],
        "filing_p50_ms": round(percentile(filing_latencies, 0.50) * 1000, 1),
        "filing_p99_ms": round(percentile(filing_latencies, 0.99) * 1000, 1),
        "filing_max_ms": round(max(filing_latencies, default=float("nan")) * 1000, 1),
        "batches": stats["batches"],
        "batch_items_stored": stats["batch_items_stored"],
        "batch_p50_s": round(percentile(batch_latencies, 0.50), 2),
    }
    check(stats["filings"] > 0, "load: no single filing was acknowledged")
    check(batch_clients == 0 or stats["batches"] > 0, "load: no batch completed")
    print("    " + json.dumps(result), flush=True)
    return result


# --------------------------------------------------------------------------
# 2. Odd input


def string_leaves(value, path=()):
    """Every (path, string) in a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from string_leaves(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from string_leaves(item, path + (i,))
    elif isinstance(value, str):
        yield path, value


def replaced(value, path, new):
    copy = json.loads(json.dumps(value))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return copy


def odd_input(service, tokens, seed):
    print("\n[2] odd input", flush=True)
    rng = random.Random(seed)
    client = Client(service.port)
    staff, admin = tokens["staff"], tokens["admin"]
    agency = tokens["agency"][AGENCY_A]
    tally = {"requests": 0, "by_status": {}}

    def expect_problem(method, path, token, body=None, raw=None, content_type="application/json",
                       headers=None, expected=None, what="", batch=False, media_checked=True,
                       too_large=False):
        try:
            reply = client.send(method, path, token, body, content_type=content_type,
                                headers=headers, raw=raw)
        except (BrokenPipeError, ConnectionResetError) as error:
            # A server may answer 413 and close before it has read a body
            # over the limit; the client then fails to send the rest, and the
            # answer can be lost with the connection. Refusing to read it is
            # the point of the limit.
            if too_large:
                tally["requests"] += 1
                return None
            FAILURES.add(f"odd input: {what} {method} {path}: transport error {error!r}")
            return None
        except (OSError, http.client.HTTPException) as error:
            FAILURES.add(f"odd input: {what} {method} {path}: transport error {error!r}")
            return None
        tally["requests"] += 1
        tally["by_status"][reply.status] = tally["by_status"].get(reply.status, 0) + 1
        label = f"odd input: {what} {method} {path}"
        if batch and reply.status == 200:
            # A batch answers 200 and refuses the bad item inside it.
            results = (reply.json() or {}).get("results", [])
            check(len(results) == 1 and 400 <= results[0].get("status", 0) < 500
                  and isinstance(results[0].get("problem"), dict)
                  and (expected is None or results[0]["status"] in expected),
                  f"{label} -> 200 with {str(results)[:300]}")
            return reply
        if not check(400 <= reply.status < 500,
                     f"{label} -> {reply.status} (want 4xx) {reply.body[:200]!r}"):
            return reply
        check(reply.content_type == PROBLEM or not media_checked,
              f"{label} -> {reply.status} as {reply.content_type!r}, not problem+json")
        if expected is not None:
            check(reply.status in expected,
                  f"{label} -> {reply.status}, want {sorted(expected)} {reply.body[:200]!r}")
        return reply

    # Fixtures the PATCH and landlord cases work on.
    own = client.send("POST", f"{API}/declarations", agency, declaration(rng))
    check(own.status == 201, f"odd input: fixture declaration -> {own.status}")
    declaration_id = (own.json() or {}).get("id")
    organisation = client.send("POST", f"{API}/organisations", staff, {
        "kvkNumber": "41000001", "name": "Odd Input BV", "isAgency": False,
        "isLandlord": True, "certified": False, "contactEmail": "odd@example.org"})
    check(organisation.status == 201, f"odd input: fixture organisation -> {organisation.status}")
    organisation_id = (organisation.json() or {}).get("id")

    templates = [
        ("POST", f"{API}/addresses", staff, {
            "bagId": "0622010000000001", "postcode": "3132 AB", "houseNumber": 7,
            "houseLetter": "A", "houseNumberAddition": "bis", "street": "Hoogstraat",
            "city": "Vlaardingen", "usagePurpose": "residential", "floorAreaM2": 64,
            "bedrooms": 2, "latitude": 51.9093, "longitude": 4.3421}),
        ("PATCH", f"{API}/addresses/1", staff, {
            "street": "Markt", "city": "Vlaardingen", "usagePurpose": "residential",
            "houseLetter": "B", "houseNumberAddition": "2"}),
        ("POST", f"{API}/organisations", staff, {
            "kvkNumber": "41000002", "name": "Flex Wonen BV", "isAgency": True,
            "isLandlord": False, "parentKvkNumber": "41000001", "certified": True,
            "contactEmail": "planning@example.org"}),
        ("PATCH", f"{API}/organisations/{organisation_id}", staff, {
            "name": "Flex Wonen BV", "contactEmail": "planning@example.org",
            "parentKvkNumber": "41000003"}),
        ("POST", f"{API}/addresses/1/landlords", staff, {
            "organisationId": organisation_id, "role": "owner", "startDate": "2026-01-01",
            "endDate": "2026-12-31"}),
        ("POST", f"{API}/declarations", agency, {
            **declaration(rng), "endDate": "2027-01-31",
            "address": {"postcode": POSTCODES[0], "houseNumber": 1, "houseLetter": "A",
                        "houseNumberAddition": "1"}}),
        ("POST", f"{API}/declaration-batches", agency, {"declarations": [declaration(rng)]}),
        ("PATCH", f"{API}/declarations/{declaration_id}", agency, {
            "worker": {"familyName": "Nowak", "givenNames": "Jan", "dateOfBirth": "1994-03-02",
                       "nationality": "PL", "bsn": valid_bsn(rng)},
            "household": "nowak", "endDate": "2026-12-15", "startDate": "2026-11-01",
            "landlordKvkNumber": "87654321"}),
    ]
    for method, path, token, template in templates:
        for field, original in string_leaves(template):
            name = ".".join(map(str, field))
            for label, ch in ODD_CHARACTERS.items():
                for value in (f"Ab{ch}c", ch):
                    expect_problem(method, path, token, replaced(template, field, value),
                                   expected={400}, what=f"{label} in {name}",
                                   batch=path.endswith("batches"))
            if name.endswith("Date") or name.endswith("dateOfBirth"):
                for bad in BAD_DATES:
                    expect_problem(method, path, token, replaced(template, field, bad),
                                   expected={400}, what=f"date {bad!r} in {name}",
                                   batch=path.endswith("batches"))

    # Every query value of every GET operation of the OpenAPI document.
    doc = client.send("GET", f"{API}/openapi.json").json() or {}
    check(bool(doc.get("paths")), "odd input: no OpenAPI document")
    for template_path, operations in doc.get("paths", {}).items():
        operation = operations.get("get")
        if not operation:
            continue
        path = API + template_path.replace("{id}", "1")
        for parameter in operation.get("parameters", []):
            if parameter.get("in") != "query":
                continue
            name = parameter["name"]
            for label, ch in ODD_CHARACTERS.items():
                query = urllib.parse.urlencode({name: f"3131{ch}AB"})
                expect_problem("GET", f"{path}?{query}", admin, expected={400},
                               what=f"{label} in query {name}")
            if name in ("from", "to", "activeOn"):
                # from and to also take an RFC 3339 timestamp.
                for bad in [d for d in BAD_DATES if "T" not in d or name == "activeOn"]:
                    query = urllib.parse.urlencode({name: bad})
                    expect_problem("GET", f"{path}?{query}", admin, expected={400},
                                   what=f"date {bad!r} in query {name}")
    for path in ["/addresses/%00", "/declarations/1%00", "/addresses/-1", "/people/abc",
                 "/organisations/99999999999999999999999", "/addresses/1/signals%E2%80%AE"]:
        expect_problem("GET", API + path, admin, what="odd path value")

    # Header values. A control byte (other than tab) makes the request
    # malformed HTTP, refused by the HTTP layer before the service sees it:
    # there only a 4xx is required.
    for label, ch in ODD_CHARACTERS.items():
        if ch == "\u0000":
            continue
        bad = f"audit{ch}x".encode()
        http_layer = ord(ch) < 0x20 or ch == "\u007f"
        for method, body, header in [("GET", None, "X-Purpose"),
                                     ("POST", declaration(rng), "Idempotency-Key")]:
            expect_problem(method, f"{API}/declarations", agency, body, headers={header: bad},
                           expected={400}, what=f"{label} in {header}",
                           media_checked=not http_layer)

    # Malformed JSON and wrong media types.
    for raw in [b"", b"{", b'{"worker":', b"[]", b"null", b"42", b'"text"', b'{"a":1,}',
                b"\xff\xfe{}", b'{"worker": {"familyName": "\xc3\x28"}}', b"[" * 100000,
                b'{"declarations": ' + b"[" * 5000 + b"]" * 5000 + b"}",
                json.dumps(declaration(rng)).encode() + b"}",
                b'{"worker": {"familyName": "A\\ud800"}}']:
        for path in (f"{API}/declarations", f"{API}/declaration-batches"):
            expect_problem("POST", path, agency, raw=raw, what=f"malformed JSON {raw[:20]!r}")
        expect_problem("POST", f"{API}/addresses", staff, raw=raw,
                       what=f"malformed JSON {raw[:20]!r}")
    body = json.dumps(declaration(rng)).encode()
    for content_type in [None, "text/plain", "application/x-www-form-urlencoded",
                         "application/xml", "text/csv", "multipart/form-data; boundary=x"]:
        for path in (f"{API}/declarations", f"{API}/declaration-batches"):
            expect_problem("POST", path, agency, raw=body, content_type=content_type,
                           expected={415}, what=f"Content-Type {content_type!r}")

    # Too many items, too many bytes.
    big = {"declarations": [declaration(rng) for _ in range(BATCH_SIZE + 1)]}
    expect_problem("POST", f"{API}/declaration-batches", agency, big, expected={400, 413},
                   what="a batch over the limit")
    expect_problem("POST", f"{API}/declaration-batches", agency, {"declarations": []},
                   expected={400}, what="an empty batch")
    huge = {"declarations": [{**declaration(rng), "household": "x" * 2000}
                             for _ in range(BATCH_SIZE)]}
    expect_problem("POST", f"{API}/declaration-batches", agency, huge, expected={400, 413},
                   what="a body over 1 MiB", too_large=True)
    expect_problem("POST", f"{API}/declarations", agency, raw=b" " * (2 << 20), expected={413},
                   what="2 MiB of spaces", too_large=True)
    # Out-of-range numbers.
    for field, value in [("houseNumber", 0), ("houseNumber", 10**20), ("houseNumber", -1),
                         ("houseNumber", 1.5), ("houseNumber", "1")]:
        body = declaration(rng)
        body["address"][field] = value
        expect_problem("POST", f"{API}/declarations", agency, body, expected={400},
                       what=f"{field}={value!r}")
    for value in [-1, 1e308, "450", float("nan")]:
        body = declaration(rng)
        body["rentPerMonthEur"] = value
        raw = json.dumps(body).encode()  # NaN is written as the invalid token NaN
        expect_problem("POST", f"{API}/declarations", agency, raw=raw,
                       what=f"rentPerMonthEur={value!r}")

    # Nothing of the above was stored: a NUL never reached the database.
    listing = client.send("GET", f"{API}/declarations?pageSize=500", staff).json() or {}
    stored = json.dumps(listing)
    check("\\u0000" not in stored and "\\u202e" not in stored,
          "odd input: an odd character was stored in a declaration")
    result = {"requests": tally["requests"], "status_counts": dict(sorted(tally["by_status"].items()))}
    print("    " + json.dumps(result), flush=True)
    return result


# --------------------------------------------------------------------------
# 3. Cross-agency


def comparable(reply):
    """A reply without what differs between any two filings (ids, times)."""
    body = reply.json()

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items()
                    if k not in ("id", "personId", "createdAt", "updatedAt", "filedAt",
                                 "traceId", "instance")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return reply.status, reply.content_type, strip(body)


def cross_agency(service, tokens, seed):
    print("\n[3] cross-agency", flush=True)
    rng = random.Random(seed + 7)
    client = Client(service.port)
    a, b = tokens["agency"][AGENCY_A], tokens["agency"][AGENCY_B]
    checks = 0

    def expect(condition, what):
        nonlocal checks
        checks += 1
        return check(condition, f"cross-agency: {what}")

    known_bsn = valid_bsn(rng)
    a_body = declaration(rng)
    a_body["worker"].update({"bsn": known_bsn, "familyName": "Kowalska", "givenNames": "Anna",
                             "dateOfBirth": "1991-04-05", "nationality": "PL"})
    filed = client.send("POST", f"{API}/declarations", a, a_body)
    expect(filed.status == 201, f"A files -> {filed.status}")
    a_id = (filed.json() or {}).get("id")
    a_view = client.send("GET", f"{API}/declarations/{a_id}", a).json()

    # B cannot read, change or withdraw A's declaration, nor find it in a list.
    for method, body in [("GET", None), ("PATCH", {"endDate": "2026-12-01"}), ("DELETE", None)]:
        reply = client.send(method, f"{API}/declarations/{a_id}", b, body)
        expect(reply.status == 404, f"B {method} A's declaration -> {reply.status}, want 404")
        expect(reply.content_type == PROBLEM, f"B {method} A's declaration is not problem+json")
    missing = client.send("GET", f"{API}/declarations/999999999", b)
    own_404 = comparable(missing)
    other_404 = comparable(client.send("GET", f"{API}/declarations/{a_id}", b))
    expect(own_404[:2] == other_404[:2],
           "B's answer for A's declaration differs from the answer for a missing one")
    listing = client.send("GET", f"{API}/declarations?pageSize=500", b).json() or {}
    expect(all(item.get("id") != a_id for item in listing.get("items", [])),
           "A's declaration is in B's list")
    listing = client.send("GET", f"{API}/declarations?pageSize=500&agencyKvkNumber={AGENCY_A}",
                          b).json() or {}
    expect(all(item.get("id") != a_id for item in listing.get("items", [])),
           "A's declaration is in B's list filtered on A's KvK number")

    # B files a worker with A's BSN, and one with a BSN nobody filed: same answer.
    def b_files(bsn):
        body = declaration(random.Random(seed + 99))
        body["worker"].update({"bsn": bsn, "familyName": "Bakker", "givenNames": "Piet",
                               "dateOfBirth": "1985-06-07", "nationality": "NL"})
        return client.send("POST", f"{API}/declarations", b, body)

    with_known = b_files(known_bsn)
    fresh_bsn = valid_bsn(rng)
    with_fresh = b_files(fresh_bsn)
    expect(with_known.status == 201 and with_fresh.status == 201,
           f"B files -> {with_known.status} and {with_fresh.status}, want 201 both")
    worker = (with_known.json() or {}).get("worker", {})
    expect(worker.get("familyName") == "Bakker" and worker.get("givenNames") == "Piet",
           f"B filed 'Bakker, Piet' with a BSN A filed and reads back {worker.get('familyName')!r},"
           f" {worker.get('givenNames')!r}")
    known_shape, fresh_shape = comparable(with_known), comparable(with_fresh)
    for shape in (known_shape, fresh_shape):
        w = shape[2].get("worker", {}) if isinstance(shape[2], dict) else {}
        w.pop("bsnMasked", None)
    expect(known_shape == fresh_shape,
           "B's filing answer differs between a BSN A filed and a fresh one: "
           f"{known_shape} vs {fresh_shape}")

    # B files the same names and birth date as A's worker, without a BSN.
    same_names = declaration(rng, bsn=False)
    same_names["worker"].update({"familyName": "Kowalska", "givenNames": "Anna",
                                 "dateOfBirth": "1991-04-05", "nationality": None})
    reply = client.send("POST", f"{API}/declarations", b, same_names)
    worker = (reply.json() or {}).get("worker", {})
    expect(reply.status == 201 and worker.get("nationality") is None
           and worker.get("bsnMasked") in (None, ""),
           f"B filed A's worker's names without BSN or nationality and reads back {worker}")

    # B corrects its own declaration with A's BSN, and with a fresh one: same answer.
    b_id = (with_fresh.json() or {}).get("id")
    patches = []
    for bsn in (known_bsn, valid_bsn(rng)):
        reply = client.send("PATCH", f"{API}/declarations/{b_id}", b,
                            {"worker": {"bsn": bsn, "familyName": "Visser"}})
        patches.append(reply.status)
    expect(patches[0] == patches[1] and patches[0] == 200,
           f"B's correction with A's BSN -> {patches[0]}, with a fresh BSN -> {patches[1]}")
    # B corrects the declaration it filed with A's BSN; A's declaration stays as A filed it.
    b_known_id = (with_known.json() or {}).get("id")
    reply = client.send("PATCH", f"{API}/declarations/{b_known_id}", b,
                        {"worker": {"familyName": "Jansen", "nationality": "BE", "bsn": None}})
    expect(reply.status == 200, f"B corrects its own declaration -> {reply.status}")
    after = client.send("GET", f"{API}/declarations/{a_id}", a).json() or {}
    expect(after.get("worker") == (a_view or {}).get("worker"),
           f"A's declaration changed after B's correction: {(a_view or {}).get('worker')}"
           f" -> {after.get('worker')}")
    expect(client.send("GET", f"{API}/declarations/{a_id}", a).status == 200,
           "A can no longer read its declaration")
    print(f"    {{\"checks\": {checks}}}", flush=True)
    return {"checks": checks}


# --------------------------------------------------------------------------
# 4. Kills


def stored_without_occupancy(database, sqlite_path, database_url):
    sql = ("SELECT count(*) FROM declarations d WHERE NOT EXISTS "
           "(SELECT 1 FROM occupancies o WHERE o.declaration_id = d.id)")
    total_sql = "SELECT count(*) FROM declarations"
    if database == "sqlite":
        with sqlite3.connect(sqlite_path) as db:
            return db.execute(sql).fetchone()[0], db.execute(total_sql).fetchone()[0]
    values = []
    for query in (sql, total_sql):
        out = subprocess.run(["psql", database_url, "-tAc", query], capture_output=True,
                             text=True, check=True)
        values.append(int(out.stdout.strip()))
    return tuple(values)


def kills(service, tokens, rounds, seed, database, sqlite_path, database_url):
    print(f"\n[4] SIGKILL during filings, {rounds} rounds", flush=True)
    acknowledged = []
    lock = threading.Lock()
    stop = threading.Event()
    unacknowledged = {"count": 0}

    def filer(index):
        rng = random.Random(seed * 77 + index)
        client = Client(service.port, timeout=30)
        kvk = LOAD_AGENCIES[index % len(LOAD_AGENCIES)]
        while not stop.is_set():
            batch = index == 0
            try:
                if batch:
                    body = {"declarations": [declaration(rng) for _ in range(100)]}
                    reply = client.send("POST", f"{API}/declaration-batches",
                                        tokens["agency"][kvk], body)
                    ids = [r.get("id") for r in (reply.json() or {}).get("results", [])
                           if r.get("status") == 201] if reply.status == 200 else []
                else:
                    reply = client.send("POST", f"{API}/declarations", tokens["agency"][kvk],
                                        declaration(rng, bsn=rng.random() < 0.5))
                    ids = [(reply.json() or {}).get("id")] if reply.status == 201 else []
                check(reply.status < 500, f"kills: filing -> {reply.status} {reply.body[:200]!r}")
                with lock:
                    acknowledged.extend(ids)
            except (OSError, http.client.HTTPException):
                with lock:
                    unacknowledged["count"] += 1
                time.sleep(0.05)

    threads = [threading.Thread(target=filer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    rng = random.Random(seed)
    for round_ in range(rounds):
        time.sleep(rng.uniform(1.5, 4.0))
        with lock:
            before = len(acknowledged)
        service.kill()
        service.start()
        print(f"    round {round_ + 1}: killed after {before} acknowledged filings, restarted",
              flush=True)
    time.sleep(1.0)
    stop.set()
    for t in threads:
        t.join()

    client = Client(service.port)
    missing = []
    for declaration_id in acknowledged:
        reply = client.send("GET", f"{API}/declarations/{declaration_id}", tokens["staff"])
        if reply.status != 200:
            missing.append((declaration_id, reply.status))
    check(not missing, f"kills: {len(missing)} acknowledged filings are missing: {missing[:10]}")
    check(len(acknowledged) > 0, "kills: no filing was acknowledged")
    service.stop()
    half, total = stored_without_occupancy(database, sqlite_path, database_url)
    check(half == 0, f"kills: {half} of {total} declarations have no occupancy")
    verify = service.command("audit", "verify", check_ok=False)
    check(verify.returncode == 0,
          f"kills: audit verify failed: {verify.stdout.strip()} {verify.stderr.strip()}")
    result = {"rounds": rounds, "acknowledged": len(acknowledged), "missing": len(missing),
              "broken_requests": unacknowledged["count"], "declarations": total,
              "without_occupancy": half, "audit_verify": verify.stdout.strip()[:120]}
    print("    " + json.dumps(result), flush=True)
    return result


# --------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="the release woonregister binary")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--duration", type=float,
                        default=float(os.environ.get("ROBUSTNESS_DURATION", "60")))
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--batch-clients", type=int, default=2)
    parser.add_argument("--kills", type=int, default=int(os.environ.get("ROBUSTNESS_KILLS", "3")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("ROBUSTNESS_SEED", "8")))
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix=f"woonregister-robustness-{args.database}-")
    sqlite_path = os.path.join(workdir, "woonregister.sqlite3")
    if args.database == "sqlite":
        database_url = sqlite_path
    else:
        base = os.environ.get("PG_URL")
        if not base:
            sys.exit("--database postgres needs PG_URL (run under .ci/with-postgres)")
        name = f"robustness_{os.getpid()}"
        subprocess.run(["psql", base, "-qc", f"CREATE DATABASE {name}"], check=True)
        parts = urllib.parse.urlsplit(base)
        database_url = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    print(f"== robustness on {args.database} (data in {workdir}, seed {args.seed})", flush=True)

    service = Service(os.path.abspath(args.binary), workdir, database_url)
    results = {}
    started = time.monotonic()
    try:
        csv_path = os.path.join(workdir, "addresses.csv")
        address_csv(csv_path)
        service.command("import", "addresses", csv_path)
        tokens = {
            "admin": service.token("admin", "robust-admin"),
            "staff": service.token("staff", "robust-staff"),
            "inspector": service.token("inspector", "robust-inspector"),
            "agency": {kvk: service.token("agency", f"agency-{kvk}", kvk)
                       for kvk in [AGENCY_A, AGENCY_B, *LOAD_AGENCIES]},
        }
        service.start()
        results["load"] = mixed_load(service, tokens, args.duration, args.clients,
                                     args.batch_clients, args.seed)
        results["odd_input"] = odd_input(service, tokens, args.seed)
        results["cross_agency"] = cross_agency(service, tokens, args.seed)
        results["kills"] = kills(service, tokens, args.kills, args.seed, args.database,
                                 sqlite_path, database_url)
    except Exception as error:  # any crash of the suite is a failure, reported as such
        FAILURES.add(f"the suite stopped: {error!r}")
    finally:
        service.stop()
    if FAILURES.items:
        print()
        FAILURES.report()
        print(f"\n-- last lines of the server log ({service.log_path}):\n{service.log_tail()}")
    print(f"\n== robustness summary ({args.database}, {time.monotonic() - started:.0f} s)")
    print(json.dumps(results, indent=2))
    failed = len(FAILURES.items)
    print(f"robustness-{args.database}: {FAILURES.passed} passed, {failed} failed")
    if not args.keep and not failed:
        subprocess.run(["rm", "-rf", "--", workdir], check=False)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
