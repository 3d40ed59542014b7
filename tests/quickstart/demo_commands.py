#!/usr/bin/env python3
"""The commands `auditlog serve --demo` prints must work as printed.

Starts the binary with a small demo data set on a free loopback port, reads
the curl commands it prints (joining lines continued with a backslash), runs
each with bash and AUDITLOG_KEY exported, and checks that every one answers
2xx with a JSON body that is not an error envelope (EnOS and Authing answer
some errors with HTTP 200 and a code in the body). Stops the server.

    demo_commands.py --binary build/debug/src/server/auditlog
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
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def printed_commands(lines):
    """The curl commands in the demo's help text, continuation lines joined."""
    commands, current = [], None
    for line in lines:
        text = line.rstrip("\n")
        if current is not None:
            current += " " + text.strip()
        elif text.lstrip().startswith("curl "):
            current = text.strip()
        else:
            continue
        if current.endswith("\\"):
            current = current[:-1].rstrip()
            continue
        commands.append(current)
        current = None
    return commands


def is_error(body):
    if not isinstance(body, dict):
        return False
    if "error" in body or "errors" in body and body["errors"] and "accepted" not in body:
        return True
    if "statusCode" in body and isinstance(body["statusCode"], int) and body["statusCode"] >= 400:
        return True
    code = body.get("code")
    return isinstance(code, int) and code not in (0, 200)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--events", type=int, default=3000)
    args = parser.parse_args()
    if shutil.which("curl") is None:
        sys.exit("demo_commands: curl is not installed (scripts/install-deps.sh installs it)")

    work = tempfile.mkdtemp(prefix="auditlog-demo-")
    port = free_port()
    server = subprocess.Popen(
        [args.binary, "serve", "--demo", "--demo-events", str(args.events), "--data",
         os.path.join(work, "data"), "--listen", f"127.0.0.1:{port}", "--uap-regexes", "none",
         "--log-level", "warn", "--no-access-log"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    failures = []
    try:
        lines, key = [], None
        deadline = time.time() + 600
        while time.time() < deadline:
            line = server.stdout.readline()
            if not line:
                sys.exit("demo_commands: the server exited before printing its help")
            lines.append(line)
            match = re.match(r"\s+export AUDITLOG_KEY=(\S+)", line)
            if match:
                key = match.group(1)
            if "Stop with Ctrl-C" in line:
                break
        commands = printed_commands(lines)
        if key is None or len(commands) < 5:
            sys.exit(f"demo_commands: expected a key and curl commands, got:\n{''.join(lines)}")
        env = dict(os.environ, AUDITLOG_KEY=key)
        for command in commands:
            # -f: an HTTP error status fails the command.
            checked = command.replace("curl -s ", "curl -s -f -S ", 1)
            run = subprocess.run(["bash", "-c", checked], env=env, capture_output=True, text=True,
                                 timeout=60)
            try:
                body = json.loads(run.stdout)
            except ValueError:
                body = None
            ok = run.returncode == 0 and body is not None and not is_error(body)
            print(("ok    " if ok else "FAIL  ") + command)
            if not ok:
                failures.append(f"{command}\n  exit {run.returncode}: {run.stderr.strip()}\n"
                                f"  {run.stdout[:500]}")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print(f"demo_commands: {len(commands)} printed commands work")


if __name__ == "__main__":
    main()
