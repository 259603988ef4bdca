#!/usr/bin/env python3
"""Dossier reads at a fixed rate against the release binary serving the demo
city (SQLite): the latency an inspector sees, p50 and p99, at 200 requests
per second by default. Loopback only; bounded in time; standard library only.

    cargo build --release --locked && python3 benches/dossier-load.py [--rate 200] [--seconds 20] [--scale 1]
"""

import argparse
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

PORT = int(os.environ.get("ROCKET_PORT", "18323"))


def request(path, token):
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    connection.request("GET", path, headers={"Authorization": f"Bearer {token}",
                                             "X-Purpose": "load test"})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(here, "..", "target"))
    parser.add_argument("--binary", default=os.path.join(target, "release", "woonregister"))
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--scale", type=int, default=1, help="the demo city's scale")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="woonregister-dossier-")
    env = dict(os.environ, WOONREGISTER_DATA_DIR=os.path.join(work, "data"),
               WOONREGISTER_DATABASE_URL=os.path.join(work, "data", "woonregister.sqlite3"),
               ROCKET_PORT=str(PORT), ROCKET_LOG_LEVEL="off")
    subprocess.run([args.binary, "demo", "--scale", str(args.scale)], env=env, check=True, stdout=subprocess.DEVNULL)

    def token(role):
        return subprocess.run([args.binary, "token", "issue", "--role", role, "--subject",
                               "load", "--ttl", "2h"], env=env, check=True,
                              capture_output=True, text=True).stdout.strip()

    inspector, staff = token("inspector"), token("staff")
    server = subprocess.Popen([args.binary, "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                if request("/api/v1/health", staff)[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        status, body = request("/api/v1/signals?pageSize=500", staff)
        ids = sorted({s["address"]["id"] for s in json.loads(body)["items"]})
        latencies, errors, lock = [], [], threading.Lock()

        def one(address_id):
            started = time.perf_counter()
            status, _ = request(f"/api/v1/addresses/{address_id}/dossier", inspector)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    errors.append(status)

        threads, interval, start = [], 1.0 / args.rate, time.perf_counter()
        n = int(args.rate * args.seconds)
        for i in range(n):
            delay = start + i * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            thread = threading.Thread(target=one, args=(ids[i % len(ids)],))
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - start
        latencies.sort()
        p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
        print(f"dossier reads: {len(latencies)} in {wall:.1f} s ({len(latencies) / wall:.0f}/s "
              f"offered {args.rate:.0f}/s) over {len(ids)} addresses with signals; "
              f"p50 {p(0.50):.1f} ms, p99 {p(0.99):.1f} ms, max {latencies[-1] * 1000:.1f} ms; "
              f"non-200: {len(errors)}")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
