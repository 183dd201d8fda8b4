#!/usr/bin/env python3
"""R1, crash safety: the server is killed with SIGKILL while people are writing, restarted, and
every write it had acknowledged must be there, with the audit chain intact.

Each iteration signs in as a demo social worker, who at the same time makes API tokens through
the web form (two writers) and starts draft referrals for a child through the referral form (a
third), while Portsmouth's Service Leader takes decisions between meetings for a child through
the interim decision form (a fourth: a decision with its money, the meeting it is to be ratified
at and its audit event). Bexley's Team Manager and then its Service Manager sign off whatever
waits on their sign-off queues (a fifth and a sixth: a sign-off row, the referral's next state
and its audit event; the second sign-off also lists the referral on the next meeting), which
another Bexley social worker keeps supplied by filling in and sending referrals through the
referral forms (eight wait when the writers start). A seventh, the chair of Bexley's panel,
records the panel's decision, with the resource and money it approves, on every item waiting on
a meeting that has started, and stops when none is left. A token whose page came back (HTTP 200
with its secret), a referral whose form was answered with the way to its page (303 to
/referrals/ID/edit), a decision between meetings answered with the way to its page (303 to
/interim/ID), a sign-off answered with the way back to the queue (303 to /sign-offs) and a
meeting's decision answered with the way to its decision sheet (303 to /decisions/ID) are
acknowledged; any other answer from the interim, sign-off or decision forms, or while sending a
referral (a refusal, a server error), fails the test. After a random moment the server is killed
(-9), started again on the same database; the tokens page must list every acknowledged token,
every acknowledged referral's and decision's page must open, every acknowledged sign-off must be
a sign-off row of its referral in its role, and every meeting's decision must be its item's
decision with its sheet opening; each token, referral, sign-off and decision must have its audit
event (written in the same transaction); then `carepanel audit verify` must pass.

The demonstration data is made first, at today's date, and each iteration's server runs a
fortnight further on than the one before (`--clock`): the meetings the demonstration data and
the previous iteration's sign-offs listed referrals on have started by then, so the chair has
items to decide.

usage: crash.py BIN DATABASE_URL PORT ITERATIONS
"""
import datetime
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
import zoneinfo

BIN, DATABASE, PORT, ITERATIONS = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
BASE = f"http://127.0.0.1:{PORT}"
EMAIL = "worker11@bexley.example"
DECIDER = "service-leader@portsmouth.example"
SENDER = "worker12@bexley.example"
SIGNATORIES = (("team-manager", "team-manager@bexley.example"),
               ("service-manager", "service-manager@bexley.example"))
CHAIR = "chair.bexley-rcp@bexley.example"
PASSWORD = "demo-panel-2026"
FORTNIGHT = datetime.timedelta(days=14)
POOL = 8  # referrals waiting for their first sign-off when the writers start


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)
# What a writer was answered that it should never be (a refusal, a server error): the test fails.
failures = []


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


def now(ahead):
    """The server's time when it runs `ahead` of today, in UTC."""
    return datetime.datetime.now(datetime.timezone.utc) + ahead


def start_server(log, ahead):
    """Starts the server with its clock `ahead` of today (the demonstration data is made on the
    first start, at the clock's time)."""
    clock = now(ahead).strftime("%Y-%m-%dT%H:%M:%SZ")
    proc = subprocess.Popen(
        [BIN, "serve", "--database", DATABASE, "--demo", "--demo-weeks", "1", "--bind", f"127.0.0.1:{PORT}",
         "--clock", clock],
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


def form_token(cookies, path):
    """The CSRF token of the session, from a page's forms."""
    _, _, page = call("GET", path, cookies)
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def problems(body):
    """The error messages of a page that refused a form."""
    return (re.findall(r'govuk-error-message[^>]*>(.*?)</', body, re.S)[:3]
            or re.findall(r'<h1[^>]*>(.*?)</h1>', body, re.S)[:1] or [body[:200]])


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
            failures.append(f"the interim decision form answered {status}: {problems(body)}")
            return


def send_referral(worker, csrf, child, today):
    """The worker fills in a referral to Bexley's panel for a support package over £1,000 and
    sends it; it then waits for the Team Manager's sign-off."""
    status, headers, body = call("POST", "/referrals/new", worker,
                                 {"csrf": csrf, "panel": "bexley-rcp", "category": "support-package-over-1000",
                                  "child": child, "children": "1"})
    found = re.fullmatch(r"/referrals/([^/]+)/edit", headers.get("Location") or "")
    if status != 303 or not found:
        return f"the referral form answered {status}: {problems(body)}"
    referral = found.group(1)
    _, _, page = call("GET", f"/referrals/{referral}/edit", worker)
    # What the form fills in itself (the version, the child's details) is sent back as it came.
    form = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        form.setdefault(name, html.unescape(value))
    for name in re.findall(r'<textarea[^>]*name="(a_[^"]+)"', page):
        form[name] = "Written while the server may be killed"
    form.pop("a_no_explanation", None)
    for name in ("a_sos_ethnicity", "a_sos_disability", "a_sos_legal_status"):
        form[name] = form.get(name) or "Not known"
    form.update({"a_worker_name": "Crash Test", "a_team": "Children in Need",
                 "a_referral_date-day": str(today.day), "a_referral_date-month": str(today.month),
                 "a_referral_date-year": str(today.year),
                 "a_children-0-0": "The child", "a_children-0-1": "1/1/2015",
                 "a_family_members-0-0": "A parent", "a_family_members-0-1": "1/1/1990",
                 "a_family_members-0-3": "Mother",
                 "a_family_network_meeting": "yes", "a_safety_plan": "yes",
                 "a_projected_weekly_cost": "250.00", "a_projected_weeks": "12",
                 "a_scaling-0-0": "The worker", "a_scaling-0-1": "Social worker", "a_scaling-0-2": "5",
                 "a_scaling-0-3": "Safe with support", "amount": "3000.00"})
    status, _, body = call("POST", f"/referrals/{referral}/edit", worker, form)
    if status != 303:
        return f"the referral's form answered {status}: {problems(body)}"
    status, _, body = call("POST", f"/referrals/{referral}/send", worker, {"csrf": csrf})
    if status != 303:
        return f"sending the referral answered {status}: {problems(body)}"
    return None


def waiting(cookies):
    """The referrals on a signatory's sign-off queue."""
    _, _, queue = call("GET", "/sign-offs", cookies)
    return re.findall(r'href="/referrals/([0-9a-f-]{36})"', queue)


def sender(worker, csrf, child, today, stop):
    """Keeps the Team Manager's sign-off queue supplied with referrals."""
    while not stop.is_set():
        try:
            failure = send_referral(worker, csrf, child, today)
        except Exception:
            return
        if failure:
            failures.append(failure)
            return


def sign_off_writer(role, cookies, token, acknowledged, stop):
    """A signatory signs off every referral waiting on their sign-off queue, looking again as soon
    as it is empty."""
    while not stop.is_set():
        try:
            referrals = waiting(cookies)
            for referral in referrals:
                status, headers, body = call("POST", f"/referrals/{referral}/sign-off", cookies, {"csrf": token})
                if status == 303 and headers.get("Location") == "/sign-offs":
                    acknowledged.append((referral, role))
                else:
                    failures.append(f"the {role}'s sign-off answered {status}: {problems(body)}")
                    return
        except Exception:
            return
        if not referrals:
            stop.wait(0.02)


def meeting_writer(chair, csrf, items, today, acknowledged, stop):
    """The chair records the panel's decision on each item waiting on a meeting that has started:
    the resource approved with its weekly cost and dates, and an action. Items are decided once;
    when none is left the chair stops."""
    for n, item in enumerate(items):
        if stop.is_set():
            return
        start, end, due = (today + datetime.timedelta(days=d) for d in (3, 84, 5))
        form = {"csrf": csrf, "outcome": "resource-approved",
                "line-1": "The panel agreed the support set out in the referral",
                "r0-description": "Support package as requested", "r0-weekly_cost": f"{200 + n % 300}.00",
                "x0-description": "Tell the family the panel's decision", "x0-owner": "Allocated social worker",
                "rationale": "The panel considered the needs set out and the alternatives tried."}
        for name, day in (("r0-start", start), ("r0-end", end), ("x0-due", due)):
            form.update({f"{name}-day": day.day, f"{name}-month": day.month, f"{name}-year": day.year})
        try:
            status, headers, body = call("POST", f"/items/{item}/decision", chair, form)
        except Exception:
            return
        found = re.fullmatch(r"/decisions/([^/]+)", headers.get("Location") or "")
        if status == 303 and found:
            acknowledged.append((item, found.group(1)))
        else:
            failures.append(f"the decision form answered {status}: {problems(body)}")
            return


def column(q):
    """The first column of every row, as text."""
    if DATABASE.startswith("sqlite://"):
        import sqlite3
        con = sqlite3.connect(DATABASE[len("sqlite://"):].split("?")[0])
        values = [str(row[0]) for row in con.execute(q).fetchall()]
        con.close()
        return values
    out = subprocess.run(["psql", DATABASE, "-tA", "-c", q], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def query(q):
    """One value from the database, as text."""
    return column(q)[0]


def listing(ids):
    """Ids as an SQL list."""
    return ", ".join(f"'{i}'" for i in ids) or "''"


def items_to_decide(ahead):
    """Items listed on Bexley's meetings that have started by the server's time, oldest first."""
    started = now(ahead).astimezone(zoneinfo.ZoneInfo("Europe/London")) - datetime.timedelta(minutes=1)
    return column("SELECT a.id FROM agenda_item a JOIN meeting m ON m.id = a.meeting_id"
                  " WHERE m.panel_id = 'bexley-rcp' AND m.status = 'scheduled' AND a.status = 'listed'"
                  f" AND a.referral_id IS NOT NULL AND m.starts_at <= '{started:%Y-%m-%dT%H:%M}'"
                  " ORDER BY m.starts_at, a.position")


def database_checks():
    """Partial writes and integrity: every token, referral, sign-off and decision (between
    meetings and at them) has its audit event (each is written in one transaction with it): a
    referral has as many sign-off events as sign-off rows that were not returns; and on SQLite
    the file passes PRAGMA integrity_check."""
    queries = ("SELECT count(*) FROM api_token",
               "SELECT count(*) FROM audit_event WHERE action = 'api_token.create'",
               "SELECT (SELECT count(*) FROM referral WHERE id NOT IN"
               " (SELECT entity_id FROM audit_event WHERE action = 'referral.create'))"
               " + (SELECT count(*) FROM interim_decision WHERE id NOT IN"
               " (SELECT entity_id FROM audit_event WHERE action = 'interim.take'))"
               " + (SELECT count(*) FROM (SELECT referral_id, count(*) AS n FROM sign_off"
               " WHERE outcome <> 'returned' GROUP BY referral_id) s WHERE s.n <> (SELECT count(*)"
               " FROM audit_event e WHERE e.action = 'referral.sign-off' AND e.entity_id = s.referral_id))"
               " + (SELECT count(*) FROM decision WHERE id NOT IN"
               " (SELECT entity_id FROM audit_event WHERE action = 'decision.record'))")
    tokens, events, unrecorded = (int(query(q)) for q in queries)
    integrity = query("PRAGMA integrity_check") if DATABASE.startswith("sqlite://") else "ok"
    return tokens, events, unrecorded, integrity


def main():
    log = open("/dev/null", "w")
    writes = lost = referral_writes = decision_writes = sign_off_writes = meeting_writes = 0
    # The demonstration data, made at today's date; each iteration then runs a fortnight later.
    proc = start_server(log, datetime.timedelta(0))
    proc.terminate()
    proc.wait()
    for i in range(ITERATIONS):
        ahead = (i + 1) * FORTNIGHT
        today = now(ahead).astimezone(zoneinfo.ZoneInfo("Europe/London")).date()
        proc = start_server(log, ahead)
        cookies = sign_in()
        decider = sign_in(DECIDER)
        sender_session = sign_in(SENDER)
        signatories = [(role, c, form_token(c, "/sign-offs")) for role, c in
                       ((role, sign_in(email)) for role, email in SIGNATORIES)]
        chair = sign_in(CHAIR)
        case_id = query("SELECT case_system_id FROM child WHERE council_id = 'portsmouth' ORDER BY id LIMIT 1")
        _, _, page = call("GET", "/account/tokens", cookies)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        _, _, page = call("GET", "/referrals/new?panel=bexley-rcp", sender_session)
        sender_csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        child = re.search(r'<option value="([^"]+)"', page).group(1)
        # Referrals waiting for the Team Manager before the writers start, then sent as they go.
        for _ in range(max(0, POOL - len(waiting(signatories[0][1])))):
            failure = send_referral(sender_session, sender_csrf, child, today)
            if failure:
                raise SystemExit(failure)
        items = items_to_decide(ahead)
        chair_csrf = form_token(chair, "/meetings")
        acknowledged, referrals, decisions, stop = [], [], [], threading.Event()
        sign_offs, meeting_decisions = [], []
        threads = [threading.Thread(target=writer, args=(cookies, csrf, f"crash-{i}-{t}", acknowledged, stop))
                   for t in range(2)]
        threads.append(threading.Thread(target=referral_writer, args=(cookies, referrals, stop)))
        threads.append(threading.Thread(target=interim_writer, args=(decider, case_id, decisions, stop)))
        threads.append(threading.Thread(target=sender, args=(sender_session, sender_csrf, child, today, stop)))
        threads += [threading.Thread(target=sign_off_writer, args=(role, c, token, sign_offs, stop))
                    for role, c, token in signatories]
        threads.append(threading.Thread(target=meeting_writer,
                                        args=(chair, chair_csrf, items, today, meeting_decisions, stop)))
        for t in threads:
            t.start()
        time.sleep(random.uniform(0.5, 2.0))
        proc.kill()  # SIGKILL: no shutdown, no flush
        proc.wait()
        stop.set()
        for t in threads:
            t.join()
        proc = start_server(log, ahead)
        cookies = sign_in()
        decider = sign_in(DECIDER)
        chair = sign_in(CHAIR)
        _, _, page = call("GET", "/account/tokens", cookies, timeout=30)
        listed = set(html.unescape(m) for m in re.findall(r"<td[^>]*>(crash-[0-9]+-[0-9]+-[0-9]+)</td>", page))
        missing = [a for a in acknowledged if a not in listed]
        missing += [f"referral {r}" for r in referrals if call("GET", f"/referrals/{r}", cookies, timeout=30)[0] != 200]
        missing += [f"decision {d}" for d in decisions if call("GET", f"/interim/{d}", decider, timeout=30)[0] != 200]
        signed = set(column("SELECT referral_id || ':' || role FROM sign_off WHERE outcome = 'approved'"
                            f" AND referral_id IN ({listing(r for r, _ in sign_offs)})"))
        missing += [f"sign-off of {r} by the {role}" for r, role in sign_offs if f"{r}:{role}" not in signed]
        decided = set(column("SELECT id || ':' || agenda_item_id FROM decision"
                             f" WHERE id IN ({listing(d for _, d in meeting_decisions)})"))
        missing += [f"decision {d} on item {item}" for item, d in meeting_decisions
                    if f"{d}:{item}" not in decided or call("GET", f"/decisions/{d}", chair, timeout=30)[0] != 200]
        writes += len(acknowledged) + len(referrals) + len(decisions) + len(sign_offs) + len(meeting_decisions)
        referral_writes += len(referrals)
        decision_writes += len(decisions)
        sign_off_writes += len(sign_offs)
        meeting_writes += len(meeting_decisions)
        lost += len(missing)
        proc.kill()
        proc.wait()
        verify = subprocess.run([BIN, "audit", "verify", "--database", DATABASE], capture_output=True, text=True)
        tokens, events, unrecorded, integrity = database_checks()
        if tokens != events or unrecorded != 0 or integrity != "ok":
            print(f"PARTIAL WRITE OR DAMAGE: {tokens} tokens, {events} token audit events, "
                  f"{unrecorded} referrals, sign-offs or decisions without their audit event, integrity {integrity}")
            sys.exit(1)
        print(f"  iteration {i + 1}: {len(acknowledged)} tokens, {len(referrals)} referrals, {len(sign_offs)} "
              f"sign-offs, {len(meeting_decisions)} decisions at a meeting (of {len(items)} items waiting) and "
              f"{len(decisions)} decisions between meetings acknowledged, {len(missing)} lost; "
              f"{verify.stdout.strip().splitlines()[0] if verify.stdout else verify.stderr.strip()}")
        if missing or verify.returncode != 0:
            print(f"LOST: {missing[:10]}")
            sys.exit(1)
        if failures:
            print(f"REFUSED: {failures[:10]}")
            sys.exit(1)
    print(f"crash ({DATABASE.split(':')[0]}): {ITERATIONS} kill -9 iterations, {writes} acknowledged writes "
          f"({referral_writes} of them referrals, {sign_off_writes} sign-offs, {meeting_writes} decisions at "
          f"meetings, {decision_writes} decisions between meetings), "
          f"{lost} lost, 0 partial writes, integrity check clean, audit chain verified")


main()
