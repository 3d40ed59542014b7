#!/usr/bin/env python3
"""Times a whole Auth0 checkpoint export: GET /api/v2/logs?take=N, following
the Link header until an empty page, over the demo data set.

Starts the binary with `--demo --demo-events EVENTS`, flushes the memtables
into segments (POST /v1/admin/flush), walks, prints one JSON line
{events, pages, segments, seconds, pages_per_s} and stops the server.

    bench/checkpoint_walk.py --binary build/release/src/server/auditlog --events 1000000
"""

import argparse
import json
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--events", type=int, default=100000)
    parser.add_argument("--take", type=int, default=100)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="auditlog-walk-")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [args.binary, "serve", "--demo", "--demo-events", str(args.events), "--data",
         work + "/data", "--listen", f"127.0.0.1:{port}", "--admin-token", "walk-admin",
         "--uap-regexes", "none", "--log-level", "warn", "--no-access-log", "--memtable-mb", "16"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        key = None
        while key is None:
            line = server.stdout.readline()
            if not line:
                raise SystemExit("checkpoint_walk: the server exited before printing its key")
            match = re.match(r"\s+export AUDITLOG_KEY=(\S+)", line)
            if match:
                key = match.group(1)
        base = f"http://127.0.0.1:{port}"
        flush = urllib.request.Request(base + "/v1/admin/flush", method="POST",
                                       headers={"Authorization": "Bearer walk-admin"})
        stats = json.loads(urllib.request.urlopen(flush).read())
        path, seen, pages = f"/api/v2/logs?take={args.take}", 0, 0
        start = time.time()
        while True:
            request = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + key})
            with urllib.request.urlopen(request) as reply:
                logs = json.loads(reply.read())
                link = reply.headers.get("Link")
            pages += 1
            if not logs:
                break
            seen += len(logs)
            path = re.match(r"<(?:https?://[^/]+)?(/[^>]*)>", link).group(1)
        seconds = time.time() - start
        print(json.dumps({"events": seen, "pages": pages, "segments": stats["segments"],
                          "seconds": round(seconds, 2), "pages_per_s": round(pages / seconds, 1)}))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
