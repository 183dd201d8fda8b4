#!/usr/bin/env python3
"""R1, crash safety: the server is killed with SIGKILL while people are writing, restarted, and
every write it had acknowledged must be there, with the audit chain intact.

Each iteration signs in as a demo social worker, who at the same time makes API tokens through
the web form (two writers) and starts draft referrals for a child through the referral form (a
third), while Portsmouth's Service Leader takes decisions between meetings for a child through
the interim decision form (a fourth: a decision with its money, the meeting it is to be ratified
at and its audit event). A token whose page came back (HTTP 200 with its secret), a referral
whose form was answered with the way to its page (303 to /referrals/ID/edit) and a decision
answered with the way to its page (303 to /interim/ID) are acknowledged. After a random moment
the server is killed (-9), started again on the same database; the tokens page must list every
acknowledged token and every acknowledged referral's and decision's page must open; each token,
referral and decision must have its audit event (written in the same transaction); then
`carepanel audit verify` must pass.

usage: crash.py BIN DATABASE_URL PORT ITERATIONS
"""
import html
import random
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

BIN, DATABASE, PORT, ITERATIONS = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
BASE = f"http://127.0.0.1:{PORT}"
EMAIL = "worker11@bexley.example"
DECIDER = "service-leader@portsmouth.example"
PASSWORD = "demo-panel-2026"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def call(method, path, cookies, form=None, timeout=5):
    """One request; returns (status, headers, body). Cookies are kept by hand: the service
    marks them Secure, which a cookie jar would not send over plain HTTP to 127.0.0.1."""
    data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if cookies:
        req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    try:
        with OPENER.open(req, timeout=timeout) as r:
            status, headers, body = r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        status, headers, body = e.code, e.headers, e.read().decode()
    for c in headers.get_all("Set-Cookie") or []:
        name, _, rest = c.partition("=")
        cookies[name] = rest.split(";")[0]
    return status, headers, body


def sign_in(email=EMAIL):
    cookies = {}
    _, _, page = call("GET", "/sign-in", cookies)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    status, _, _ = call("POST", "/sign-in", cookies, {"csrf": csrf, "email": email, "password": PASSWORD})
    assert status == 303, f"sign-in answered {status}"
    return cookies


def start_server(log):
    proc = subprocess.Popen(
        [BIN, "serve", "--database", DATABASE, "--demo", "--demo-weeks", "1", "--bind", f"127.0.0.1:{PORT}"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"the server stopped with {proc.returncode}")
        try:
            urllib.request.urlopen(BASE + "/sign-in", timeout=1)
            return proc
        except Exception:
            time.sleep(0.2)
    raise SystemExit("the server did not come up")


def writer(cookies, csrf, prefix, acknowledged, stop):
    n = 0
    while not stop.is_set():
        name = f"{prefix}-{n}"
        n += 1
        try:
            status, _, body = call("POST", "/account/tokens", cookies,
                                   {"csrf": csrf, "name": name, "scopes": "finance:read", "days": "1"})
        except Exception:
            return  # the server is gone: what was not answered was not acknowledged
        if status == 200 and 'id="token-secret"' in body:
            acknowledged.append(name)


def referral_writer(cookies, acknowledged, stop):
    """Starts draft referrals on Bexley's panel for the first child and category offered."""
    _, _, page = call("GET", "/referrals/new?panel=bexley-rcp", cookies)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    category = re.search(r'name="category"[^>]*value="([^"]+)"', page).group(1)
    child = re.search(r'<option value="([^"]+)"', page).group(1)
    while not stop.is_set():
        try:
            status, headers, _ = call("POST", "/referrals/new", cookies,
                                      {"csrf": csrf, "panel": "bexley-rcp", "category": category,
                                       "child": child, "children": "1"})
        except Exception:
            return
        location = headers.get("Location") or ""
        found = re.fullmatch(r"/referrals/([^/]+)/edit", location)
        if status == 303 and found:
            acknowledged.append(found.group(1))


def interim_writer(cookies, case_id, acknowledged, stop):
    """Takes decisions between meetings on Portsmouth's panel for one child, within the Service
    Leader's limit."""
    _, _, page = call("GET", "/interim", cookies)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    n = 0
    while not stop.is_set():
        n += 1
        try:
            status, headers, body = call("POST", "/interim", cookies,
                                         {"csrf": csrf, "panel": "portsmouth-rp", "case_id": case_id,
                                          "amount": f"{100 + n % 400}.00", "request": f"Emergency respite, night {n}",
                                          "why_urgent": "The carer is in hospital tonight"})
        except Exception:
            return
        found = re.fullmatch(r"/interim/([^/]+)", headers.get("Location") or "")
        if status == 303 and found:
            acknowledged.append(found.group(1))
        elif status != 303:
            raise SystemExit(f"the interim decision form answered {status}: "
                             f"{re.findall(r'govuk-error-message[^>]*>(.*?)</', body, re.S)[:3]}")


def query(q):
    """One value from the database."""
    if DATABASE.startswith("sqlite://"):
        import sqlite3
        con = sqlite3.connect(DATABASE[len("sqlite://"):].split("?")[0])
        value = con.execute(q).fetchone()[0]
        con.close()
        return value
    out = subprocess.run(["psql", DATABASE, "-tA", "-c", q], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def database_checks():
    """Partial writes and integrity: every token, referral and decision between meetings has its
    audit event (each is written in one transaction with it), and on SQLite the file passes
    PRAGMA integrity_check."""
    queries = ("SELECT count(*) FROM api_token",
               "SELECT count(*) FROM audit_event WHERE action = 'api_token.create'",
               "SELECT (SELECT count(*) FROM referral WHERE id NOT IN"
               " (SELECT entity_id FROM audit_event WHERE action = 'referral.create'))"
               " + (SELECT count(*) FROM interim_decision WHERE id NOT IN"
               " (SELECT entity_id FROM audit_event WHERE action = 'interim.take'))")
    tokens, events, unrecorded = (int(query(q)) for q in queries)
    integrity = query("PRAGMA integrity_check") if DATABASE.startswith("sqlite://") else "ok"
    return tokens, events, unrecorded, integrity


def main():
    log = open("/dev/null", "w")
    writes = lost = referral_writes = decision_writes = 0
    for i in range(ITERATIONS):
        proc = start_server(log)
        cookies = sign_in()
        decider = sign_in(DECIDER)
        case_id = query("SELECT case_system_id FROM child WHERE council_id = 'portsmouth' ORDER BY id LIMIT 1")
        _, _, page = call("GET", "/account/tokens", cookies)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        acknowledged, referrals, decisions, stop = [], [], [], threading.Event()
        threads = [threading.Thread(target=writer, args=(cookies, csrf, f"crash-{i}-{t}", acknowledged, stop))
                   for t in range(2)]
        threads.append(threading.Thread(target=referral_writer, args=(cookies, referrals, stop)))
        threads.append(threading.Thread(target=interim_writer, args=(decider, case_id, decisions, stop)))
        for t in threads:
            t.start()
        time.sleep(random.uniform(0.5, 2.0))
        proc.kill()  # SIGKILL: no shutdown, no flush
        proc.wait()
        stop.set()
        for t in threads:
            t.join()
        proc = start_server(log)
        cookies = sign_in()
        decider = sign_in(DECIDER)
        _, _, page = call("GET", "/account/tokens", cookies, timeout=30)
        listed = set(html.unescape(m) for m in re.findall(r"<td[^>]*>(crash-[0-9]+-[0-9]+-[0-9]+)</td>", page))
        missing = [a for a in acknowledged if a not in listed]
        missing += [f"referral {r}" for r in referrals if call("GET", f"/referrals/{r}", cookies, timeout=30)[0] != 200]
        missing += [f"decision {d}" for d in decisions if call("GET", f"/interim/{d}", decider, timeout=30)[0] != 200]
        writes += len(acknowledged) + len(referrals) + len(decisions)
        referral_writes += len(referrals)
        decision_writes += len(decisions)
        lost += len(missing)
        proc.kill()
        proc.wait()
        verify = subprocess.run([BIN, "audit", "verify", "--database", DATABASE], capture_output=True, text=True)
        tokens, events, unrecorded, integrity = database_checks()
        if tokens != events or unrecorded != 0 or integrity != "ok":
            print(f"PARTIAL WRITE OR DAMAGE: {tokens} tokens, {events} token audit events, "
                  f"{unrecorded} referrals or decisions without their audit event, integrity {integrity}")
            sys.exit(1)
        print(f"  iteration {i + 1}: {len(acknowledged)} tokens, {len(referrals)} referrals and {len(decisions)} "
              f"decisions acknowledged, {len(missing)} lost; "
              f"{verify.stdout.strip().splitlines()[0] if verify.stdout else verify.stderr.strip()}")
        if missing or verify.returncode != 0:
            print(f"LOST: {missing[:10]}")
            sys.exit(1)
    print(f"crash ({DATABASE.split(':')[0]}): {ITERATIONS} kill -9 iterations, {writes} acknowledged writes "
          f"({referral_writes} of them referrals, {decision_writes} decisions between meetings), "
          f"{lost} lost, 0 partial writes, integrity check clean, audit chain verified")


main()
