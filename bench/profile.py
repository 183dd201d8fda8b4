#!/usr/bin/env python3
"""Where a page's time goes: the release server under valgrind's callgrind, which counts
instructions (repeatable whatever else the machine is doing), while one client asks for the
agenda page (or, with PAGE `child`, a child's history, a read whose audit event is written
before the page is sent) REQUESTS times on one kept-alive connection after warming up. Prints the instructions per request and the
functions that cost most, and how often SQLite compiled a statement again
(`sqlite3Reprepare`).

usage: profile.py BIN DATABASE_URL [REQUESTS] [agenda|child]
"""
import http.client
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from pages import agenda_child, agenda_meeting, call, sign_in  # noqa: E402

BIN, DATABASE = sys.argv[1], sys.argv[2]
REQUESTS = int(sys.argv[3]) if len(sys.argv) > 3 else 100
PAGE = sys.argv[4] if len(sys.argv) > 4 else "agenda"
assert PAGE in ("agenda", "child"), f"page {PAGE}: agenda or child"
PORT = 8209
BASE = f"http://127.0.0.1:{PORT}"


def cpu_ticks(pid):
    """Processor time a process has used, in clock ticks (user and system, all threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def wait_until_idle(pid, quiet=3, most=600):
    """Waits until the process has used no processor time for `quiet` seconds."""
    last, still = cpu_ticks(pid), 0
    for _ in range(most):
        time.sleep(1)
        now = cpu_ticks(pid)
        still = still + 1 if now == last else 0
        last = now
        if still >= quiet:
            return
    raise SystemExit(f"the server was still busy after {most} s")


def main():
    out = tempfile.NamedTemporaryFile(prefix="carepanel-callgrind-", suffix=".out", delete=False).name
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--instr-atstart=no",
         BIN, "serve", "--database", DATABASE, "--bind", f"127.0.0.1:{PORT}", "--demo"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            try:
                call(BASE, "GET", "/sign-in", {})
                break
            except Exception:
                time.sleep(0.5)
        meeting = agenda_meeting(DATABASE, "bexley")
        cookie = sign_in(BASE, "admin.bexley-rcp@bexley.example")
        jar = {"__Host-carepanel-session": cookie.split("=", 1)[1]}
        page = f"/meetings/{meeting}"
        if PAGE == "child":
            page = f"/children/{agenda_child(DATABASE, meeting)}"
        for _ in range(20):
            status, _ = call(BASE, "GET", page, jar)
            assert status == 200, status
        # The review reminders run once as the server starts; let them finish, so the profile
        # holds the requests alone: wait until the server has used no processor time for 3 s.
        wait_until_idle(server.pid)
        # One kept-alive connection, as a browser or the load generator uses.
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=600)
        headers = {"Cookie": f"__Host-carepanel-session={jar['__Host-carepanel-session']}"}
        subprocess.run(["callgrind_control", "--instr=on", str(server.pid)], check=True,
                       capture_output=True)
        for _ in range(REQUESTS):
            conn.request("GET", page, headers=headers)
            reply = conn.getresponse()
            reply.read()
            assert reply.status == 200, reply.status
        subprocess.run(["callgrind_control", "--instr=off", str(server.pid)], check=True,
                       capture_output=True)
    finally:
        server.terminate()
        server.wait()
    report = subprocess.run(["callgrind_annotate", "--inclusive=no", out], capture_output=True,
                            text=True).stdout
    total = re.search(r"([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", report)
    total = int(total.group(1).replace(",", "")) if total else 0
    calls = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--tree=caller", out],
                           capture_output=True, text=True).stdout
    # In the caller tree, each function's block lists its callers ("<", with call counts)
    # above its own line ("*").
    reprepares, callers = 0, []
    for line in calls.splitlines():
        if not line.strip():
            callers = []
        elif line.lstrip().startswith("<") or re.match(r"\s*[\d,]+ \([\d.]+%\)\s+<", line):
            callers.append(line)
        elif "*" in line and "sqlite3Reprepare" in line:
            reprepares = sum(int(n.replace(",", "")) for c in callers
                             for n in re.findall(r"\(([\d,]+)x\)", c))
            break
    print(f"profile: {REQUESTS} {PAGE} requests, {total / max(REQUESTS, 1) / 1e6:.2f} M instructions "
          f"a request, sqlite3Reprepare called {reprepares} times; callgrind output {out}")
    print("\n".join(report.splitlines()[:40]))


main()
