#!/usr/bin/env python3
"""HTTP load test of a running auditlog: wrk against query and ingest.

Starts `auditlog serve --demo` on a fresh data directory (the demo tenant holds
--events generated events), then runs wrk, each phase bounded by --seconds:

  query   GET /v1/events?limit=10 (the peer benchmark's Q1: the newest 10 of a
          tenant with the exact total), --connections connections
  ingest  POST /v1/events, NDJSON bodies of --batch events (no ids: each event
          is new and gets a ULID), --ingest-connections connections

It reports requests/s, p50/p99 latency, non-2xx answers and the server's RSS
before and after each phase, and checks that events/s matches what the store
really holds afterwards. With --check it fails (exit 1) on any error answer or
when RSS does not level off: the query phase may not grow RSS by more than 20%,
and a second ingest phase, run only with --check, may not grow it by more than
half of what the first one did (plus 32 MiB). The first ingest phase fills the
memtables, the section cache and the allocator's free lists, by an amount that
depends on the allocator (a sanitizer's keeps much more); what must not happen
is that the same load keeps adding memory. --no-rss-check leaves RSS out of
--check: a sanitizer's allocator keeps freed memory in its own pools, so under
ASan RSS climbs with the data whatever the program does.

  bench/http_load.py --binary build/auditlog [--events 1000000] [--seconds 20]

What enrichment costs: run the ingest phase with --geoip-db FILE (GeoIP on;
user agents are parsed by default) and again with --no-ua and no database.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ADMIN_TOKEN = "load-test-admin-token-0123456789"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


class PeakRss:
    """The highest RSS of `pid` while the with-block runs, sampled every 50 ms: RSS swings
    by a memtable and a flush's buffers within seconds, so one reading at the end of a phase
    says little about whether it levels off."""

    def __init__(self, pid):
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mib(self.pid))
            self._stop.wait(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mib(self.pid))


def admin_get(base, path):
    request = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + ADMIN_TOKEN})
    with urllib.request.urlopen(request, timeout=600) as reply:
        return json.loads(reply.read())


def admin_post(base, path):
    request = urllib.request.Request(base + path, data=b"", method="POST",
                                     headers={"Authorization": "Bearer " + ADMIN_TOKEN})
    with urllib.request.urlopen(request, timeout=600) as reply:
        return json.loads(reply.read())


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(text):
    def latency(label):
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        return float(m.group(1)) * UNITS[m.group(2)] if m else None

    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    total = re.search(r"(\d+) requests in", text)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return {
        "requests_per_s": float(rps.group(1)) if rps else 0.0,
        "requests": int(total.group(1)) if total else 0,
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(x) for x in errors.groups()) if errors else 0,
    }


def run_wrk(url, seconds, connections, threads, key, script=None):
    command = ["wrk", "--latency", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
               "-H", "Authorization: Bearer " + key]
    if script:
        command += ["-s", script]
    command.append(url)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse_wrk(output), output


INGEST_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-ndjson"
local file = io.open("{body}", "rb")
wrk.body = file:read("*a")
file:close()
"""


# Browsers, phones and API clients, so the user-agent parser sees a mix.
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.6045.163 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.0.0 Safari/537.36 Edg/119.0.2151.72",
    "python-requests/2.31.0",
    "okhttp/4.12.0",
    "curl/8.4.0",
    "Go-http-client/2.0",
]


def ingest_body(batch):
    lines = []
    for i in range(batch):
        failure = i % 7 == 0
        lines.append(json.dumps({
            "type": "f" if failure else "s",
            "description": "Wrong email or password" if failure else "Successful login",
            "result": "failure" if failure else "success",
            "actor": {"id": f"user-{i % 613}", "name": f"Load User {i % 613}",
                      "email": f"user{i % 613}@example.com"},
            "client": {"id": f"client-{i % 17}", "name": f"App {i % 17}"},
            "connection": "Username-Password-Authentication",
            "ip": f"198.51.{i % 200}.{(i * 7) % 250 + 1}",
            "user_agent": USER_AGENTS[i % len(USER_AGENTS)],
        }, separators=(",", ":")))
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default="build/auditlog")
    parser.add_argument("--events", type=int, default=1_000_000, help="demo events preloaded")
    parser.add_argument("--seconds", type=int, default=20, help="length of each wrk phase")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--ingest-connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--batch", type=int, default=1000, help="events per ingest request")
    parser.add_argument("--memtable-mb", type=int, default=128)
    parser.add_argument("--cache-mb", type=int, default=256)
    parser.add_argument("--geoip-db", action="append", default=[],
                        help="GeoIP database for the server (repeatable); none: GeoIP off")
    parser.add_argument("--no-ua", action="store_true",
                        help="turn user-agent parsing off (to measure what enrichment costs)")
    parser.add_argument("--check", action="store_true", help="fail on errors or RSS growth")
    parser.add_argument("--no-rss-check", action="store_true",
                        help="with --check: errors, acknowledgements and the stop only")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("http_load: wrk is not installed (scripts/install-deps.sh installs it)")

    work = tempfile.mkdtemp(prefix="auditlog-load-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [args.binary, "serve", "--data", os.path.join(work, "data"), "--listen", f"127.0.0.1:{port}",
         "--admin-token", ADMIN_TOKEN, "--demo", "--demo-events", str(args.events),
         "--memtable-mb", str(args.memtable_mb), "--cache-mb", str(args.cache_mb),
         "--log-format", "text", "--log-level", "warn", "--no-access-log"]
        + [flag for path in args.geoip_db for flag in ("--geoip-db", path)]
        + (["--uap-regexes", "none"] if args.no_ua else []),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    results = {"events_preloaded": args.events, "seconds": args.seconds}
    failures = []
    try:
        key = None
        deadline = time.time() + 1800
        while key is None and time.time() < deadline:
            line = server.stdout.readline()
            if not line:
                sys.exit("http_load: the server exited before printing its key")
            m = re.match(r"\s+export AUDITLOG_KEY=(\S+)", line)
            if m:
                key = m.group(1)
        admin_post(base, "/v1/admin/flush")  # queries over segments, as in steady state

        body_file = os.path.join(work, "ingest.ndjson")
        with open(body_file, "w") as f:
            f.write(ingest_body(args.batch))
        script = os.path.join(work, "ingest.lua")
        with open(script, "w") as f:
            f.write(INGEST_LUA.replace("{body}", body_file))

        query_url = base + "/v1/events?limit=10"
        run_wrk(query_url, 2, args.connections, args.threads, key)  # warm-up
        rss_start = rss_mib(server.pid)
        query, query_text = run_wrk(query_url, args.seconds, args.connections, args.threads, key)
        rss_query = rss_mib(server.pid)
        results["query"] = dict(query, rss_before_mib=round(rss_start, 1),
                                rss_after_mib=round(rss_query, 1))

        before = sum(t["events"] for t in admin_get(base, "/v1/admin/store")["tenants"])
        started = time.time()
        with PeakRss(server.pid) as ingest_peak:
            ingest, ingest_text = run_wrk(base + "/v1/events", args.seconds,
                                          args.ingest_connections, args.threads, key, script)
        elapsed = time.time() - started
        after = sum(t["events"] for t in admin_get(base, "/v1/admin/store")["tenants"])
        rss_ingest = rss_mib(server.pid)
        stored = after - before
        results["ingest"] = dict(ingest, batch=args.batch,
                                 events_per_s=round(ingest["requests_per_s"] * args.batch),
                                 events_stored=stored,
                                 stored_per_s=round(stored / elapsed),
                                 rss_before_mib=round(rss_query, 1),
                                 rss_after_mib=round(rss_ingest, 1),
                                 rss_peak_mib=round(ingest_peak.peak, 1))
        if ingest["non_2xx"] == 0 and stored != ingest["requests"] * args.batch:
            # wrk counts requests it completed; the store may hold a few more
            # from requests cut off at the end, never fewer.
            if stored < ingest["requests"] * args.batch:
                failures.append(f"store holds {stored} new events, wrk saw "
                                f"{ingest['requests'] * args.batch} acknowledged")

        rss_check = args.check and not args.no_rss_check
        if rss_check and rss_query > rss_start * 1.2 + 16:
            failures.append(f"query phase grew RSS from {rss_start:.0f} to {rss_query:.0f} MiB")
        if rss_check:
            with PeakRss(server.pid) as again_peak:
                again, _ = run_wrk(base + "/v1/events", args.seconds, args.ingest_connections,
                                   args.threads, key, script)
            rss_again = rss_mib(server.pid)
            results["ingest_again"] = dict(again, rss_before_mib=round(rss_ingest, 1),
                                           rss_after_mib=round(rss_again, 1),
                                           rss_peak_mib=round(again_peak.peak, 1))
            # Levelling off: the second round's peak stays near the first's.
            first_growth = max(ingest_peak.peak - rss_query, 0)
            if again_peak.peak > ingest_peak.peak + first_growth / 2 + 32:
                failures.append(f"RSS keeps growing under ingest: {rss_query:.0f} MiB, peak "
                                f"{ingest_peak.peak:.0f} MiB, then peak {again_peak.peak:.0f} MiB")
        for phase in ("query", "ingest", "ingest_again"):
            if phase not in results:
                continue
            r = results[phase]
            if r["non_2xx"] or r["socket_errors"]:
                failures.append(f"{phase}: {r['non_2xx']} non-2xx answers, "
                                f"{r['socket_errors']} socket errors")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=60)
            if code != 0:
                failures.append(f"the server exited with {code} after SIGTERM")
        except subprocess.TimeoutExpired:
            server.kill()
            failures.append("the server did not stop within 60 s of SIGTERM")
        shutil.rmtree(work, ignore_errors=True)

    if args.json:
        print(json.dumps(dict(results, failures=failures), indent=2))
    else:
        q, i = results["query"], results["ingest"]
        print(f"query  (GET /v1/events?limit=10, {args.connections} connections, {args.seconds} s): "
              f"{q['requests_per_s']:.0f} requests/s, p50 {q['p50_ms']} ms, p99 {q['p99_ms']} ms, "
              f"RSS {q['rss_before_mib']} -> {q['rss_after_mib']} MiB")
        print(f"ingest (POST /v1/events, NDJSON x{args.batch}, {args.ingest_connections} connections,"
              f" {args.seconds} s): {i['requests_per_s']:.1f} requests/s = {i['events_per_s']} "
              f"events/s (store: {i['stored_per_s']} events/s), p50 {i['p50_ms']} ms, "
              f"p99 {i['p99_ms']} ms, RSS {i['rss_before_mib']} -> {i['rss_after_mib']} MiB "
              f"(peak {i['rss_peak_mib']})")
        if "ingest_again" in results:
            a = results["ingest_again"]
            print(f"ingest again: {a['requests_per_s']:.1f} requests/s, "
                  f"RSS {a['rss_before_mib']} -> {a['rss_after_mib']} MiB "
                  f"(peak {a['rss_peak_mib']})")
        for failure in failures:
            print("FAIL:", failure)
    sys.exit(1 if failures and args.check else 0)


if __name__ == "__main__":
    main()
