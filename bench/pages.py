#!/usr/bin/env python3
"""P1, P4 and P5 of the quality requirements: pages under load with oha, each against its
baseline in the same run, alternating A and B, reporting the median ratio of the pairs.

The servers run pinned to core 0 (taskset), oha to core 1. Pages are fetched signed in, with a
real session cookie made through the sign-in form.

usage:
  pages.py p1 BIN BASELINE_BIN DATABASE_URL [PAIRS] [SECONDS]
  pages.py p4 BIN UNGUARDED_BIN DATABASE_URL [PAIRS] [SECONDS]
  pages.py p5 BIN DATABASE_URL_S DATABASE_URL_L [PAIRS] [SECONDS]
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

OHA = os.environ.get("OHA", "oha")
PASSWORD = "demo-panel-2026"
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def call(base, method, path, cookies, form=None):
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if cookies:
        req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    try:
        with OPENER.open(req, timeout=30) as r:
            status, headers, body = r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        status, headers, body = e.code, e.headers, e.read().decode()
    for c in headers.get_all("Set-Cookie") or []:
        name, _, rest = c.partition("=")
        cookies[name] = rest.split(";")[0]
    return status, body


def sign_in(base, email):
    cookies = {}
    _, page = call(base, "GET", "/sign-in", cookies)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    status, body = call(base, "POST", "/sign-in", cookies, {"csrf": csrf, "email": email, "password": PASSWORD})
    if status != 303:
        sys.exit(f"sign-in as {email} answered {status}: {body[:300]}")
    return "; ".join(f"{k}={v}" for k, v in cookies.items() if k.startswith("__Host-carepanel-session"))


def sql(database, query):
    """One value from the database, through sqlite3 or psql."""
    if database.startswith("sqlite://"):
        path = database[len("sqlite://"):].split("?")[0]
        out = subprocess.run(["sqlite3", path, query], capture_output=True, text=True, check=True)
    else:
        out = subprocess.run(["psql", database, "-X", "-qAt", "-c", query], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def start(cmd, port, env=None):
    proc = subprocess.Popen(["taskset", "-c", "0", *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})})
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if proc.poll() is not None:
            sys.exit(f"{cmd[0]} stopped: {proc.stderr.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(base + "/sign-in", timeout=1)
            return proc, base
        except urllib.error.HTTPError:
            return proc, base
        except Exception:
            time.sleep(0.1)
    sys.exit(f"{cmd[0]} did not start")


def serve(bin_, database, port):
    return start([bin_, "serve", "--database", database, "--bind", f"127.0.0.1:{port}", "--demo"], port)


def oha(url, cookie, seconds, rate=None):
    """Runs oha against url; returns (requests/s, p99 ms, errors, non-200 count)."""
    cmd = ["taskset", "-c", "1", OHA, "--no-tui", "--output-format", "json", "-z", f"{seconds}s",
           "-c", str(CONNECTIONS)]
    if rate is not None:
        cmd += ["-q", str(rate), "--latency-correction"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"oha failed: {out.stderr[-2000:]}")
    data = json.loads(out.stdout)
    summary = data["summary"]
    codes = data.get("statusCodeDistribution", {})
    # Requests still in flight when the run's time is up are cut off by oha itself; they are
    # not the server's errors.
    errors = sum(n for kind, n in data.get("errorDistribution", {}).items() if "deadline" not in kind)
    not_ok = sum(n for code, n in codes.items() if code != "200")
    p99 = data["latencyPercentiles"]["p99"]
    return summary["requestsPerSec"], (p99 or 0) * 1000.0, errors, not_ok


def pairs_of(label_a, fa, label_b, fb, pairs):
    """Runs fa and fb alternately; returns the lists of their results."""
    a, b = [], []
    for n in range(1, pairs + 1):
        ra = fa()
        rb = fb()
        a.append(ra)
        b.append(rb)
        print(f"  pair {n}: {label_a} {ra[0]:.0f}/s p99 {ra[1]:.1f} ms; {label_b} {rb[0]:.0f}/s p99 {rb[1]:.1f} ms",
              flush=True)
    return a, b


def check_clean(name, results):
    errors = sum(r[2] for r in results)
    not_ok = sum(r[3] for r in results)
    if errors or not_ok:
        print(f"  {name}: {errors} errors, {not_ok} answers other than 200")
    return errors + not_ok


def median_ratio(a, b, index):
    return statistics.median(x[index] / y[index] for x, y in zip(a, b))


def agenda_meeting(database, council):
    """A meeting of `council` with the number of items closest to twelve."""
    return sql(database, f"""SELECT a.meeting_id FROM agenda_item a JOIN meeting m ON m.id = a.meeting_id
        WHERE m.council_id = '{council}' GROUP BY a.meeting_id ORDER BY abs(count(*) - 12), a.meeting_id LIMIT 1""")


def agenda_child(database, meeting):
    """A child whose referral is on the meeting's agenda."""
    return sql(database, f"""SELECT r.child_id FROM referral r JOIN agenda_item a ON a.referral_id = r.id
        WHERE a.meeting_id = '{meeting}' ORDER BY r.child_id LIMIT 1""")


def p1(bin_, baseline, database, pairs, seconds):
    council, who = "bexley", "admin.bexley-rcp@bexley.example"
    meeting = agenda_meeting(database, council)
    items = sql(database, f"SELECT count(*) FROM agenda_item WHERE meeting_id = '{meeting}'")
    app, app_base = serve(bin_, database, 8201)
    base_proc, base_base = start([baseline, database, "127.0.0.1:8202"], 8202)
    try:
        cookie = sign_in(app_base, who)
        page = f"/meetings/{meeting}"
        st, body = call(app_base, "GET", page, {"__Host-carepanel-session": cookie.split("=", 1)[1]})
        assert st == 200 and "Agenda for" in body, f"the agenda answered {st}"
        print(f"P1: agenda page of meeting {meeting} ({items} items), signed in as the panel's coordinator; "
              f"{CONNECTIONS} connections, {seconds} s per run")
        oha(app_base + page, cookie, 1)
        oha(base_base + page, None, 1)
        print(" maximum rate:")
        a, b = pairs_of("carepanel", lambda: oha(app_base + page, cookie, seconds),
                        "baseline", lambda: oha(base_base + page, None, seconds), pairs)
        rps_ratio = median_ratio(a, b, 0)
        rate = int(statistics.median(x[0] for x in b) / 2)
        print(f" fixed rate of {rate}/s (half the baseline's maximum):")
        fa, fb = pairs_of("carepanel", lambda: oha(app_base + page, cookie, seconds, rate),
                          "baseline", lambda: oha(base_base + page, None, seconds, rate), pairs)
        p99_ratio = median_ratio(fa, fb, 1)
        bad = check_clean("carepanel", a + fa) + check_clean("baseline", b + fb)
        print(f"P1 result: carepanel {statistics.median(x[0] for x in a):.0f}/s, baseline "
              f"{statistics.median(x[0] for x in b):.0f}/s, median ratio {rps_ratio:.3f} (target >= 0.5); "
              f"at {rate}/s p99 {statistics.median(x[1] for x in fa):.1f} ms against "
              f"{statistics.median(x[1] for x in fb):.1f} ms, median ratio {p99_ratio:.2f} (target <= 2); "
              f"{bad} errors or non-200 answers (target 0)")
    finally:
        app.kill()
        base_proc.kill()


def p4(bin_, unguarded, database, pairs, seconds):
    council, who = "bexley", "admin.bexley-rcp@bexley.example"
    meeting = agenda_meeting(database, council)
    child = agenda_child(database, meeting)
    referral = sql(database, f"""SELECT referral_id FROM agenda_item WHERE meeting_id = '{meeting}'
        AND referral_id IS NOT NULL ORDER BY referral_id LIMIT 1""")
    guarded, g_base = serve(bin_, database, 8203)
    open_, u_base = serve(unguarded, database, 8204)
    try:
        g_cookie = sign_in(g_base, who)
        u_cookie = sign_in(u_base, who)
        pages = [("agenda", f"/meetings/{meeting}"), ("referral", f"/referrals/{referral}"),
                 ("child's history (an audited read)", f"/children/{child}")]
        print(f"P4: the same pages with and without the security layers (sessions looked up and touched, "
              f"security headers, reads audited), signed in as the coordinator; {CONNECTIONS} connections, "
              f"{seconds} s per run")
        results = []
        for label, page in pages:
            for base, cookie in ((g_base, g_cookie), (u_base, u_cookie)):
                st, _ = call(base, "GET", page, {"__Host-carepanel-session": cookie.split("=", 1)[1]})
                assert st == 200, f"{page} answered {st}"
                oha(base + page, cookie, 1)
            print(f" {label} {page}:")
            a, b = pairs_of("with", lambda: oha(g_base + page, g_cookie, seconds),
                            "without", lambda: oha(u_base + page, u_cookie, seconds), pairs)
            ratio = median_ratio(a, b, 0)
            bad = check_clean("with", a) + check_clean("without", b)
            results.append((label, ratio, bad))
            print(f"  {label}: median ratio {ratio:.3f}")
        for label, ratio, bad in results:
            print(f"P4 result: {label}: with security {ratio:.3f}x the requests/s without (target >= 0.8); "
                  f"{bad} errors or non-200 answers")
    finally:
        guarded.kill()
        open_.kill()


def p5(bin_, small, large, pairs, seconds):
    council = "bexley"
    worker, manager = "worker11@bexley.example", "team-manager@bexley.example"
    s_proc, s_base = serve(bin_, small, 8205)
    l_proc, l_base = serve(bin_, large, 8206)
    counts = {db: sql(db, "SELECT count(*) FROM referral") for db in (small, large)}
    try:
        def ids(db):
            referral = sql(db, f"""SELECT r.id FROM referral r JOIN person p ON p.id = r.author_id
                WHERE p.email = '{worker}' ORDER BY r.id LIMIT 1""")
            return referral
        pages = []
        for label, who, path in [("list: the referrals page", worker, "/referrals"),
                                 ("list: the meetings page", manager, "/meetings"),
                                 ("search: a child's panel history", worker, None),
                                 ("detail: a referral", worker, "referral"),
                                 ("sign-off queue", manager, "/sign-offs")]:
            pages.append((label, who, path))
        cookies = {}
        for base in (s_base, l_base):
            for who in (worker, manager):
                cookies[(base, who)] = sign_in(base, who)
        print(f"P5: page p99 at a fixed rate, the larger data ({counts[large]} referrals) against scale S "
              f"({counts[small]}), the rate half what S serves at most; {CONNECTIONS} connections, {seconds} s per run")
        results = []
        for label, who, path in pages:
            def url(base, db):
                if path == "referral":
                    return base + f"/referrals/{ids(db)}"
                if path is None:
                    child = sql(db, f"""SELECT r.child_id FROM referral r JOIN person p ON p.id = r.author_id
                        WHERE p.email = '{worker}' ORDER BY r.child_id LIMIT 1""")
                    return base + f"/children/{child}"
                return base + path
            us, ul = url(s_base, small), url(l_base, large)
            for u, base in ((us, s_base), (ul, l_base)):
                cookie = cookies[(base, who)]
                st, _ = call(base, "GET", u[len(base):], {"__Host-carepanel-session": cookie.split("=", 1)[1]})
                assert st == 200, f"{u} answered {st}"
            top_s = oha(us, cookies[(s_base, who)], 2)[0]
            rate = max(1, int(top_s / 2))
            print(f" {label} at {rate}/s:")
            a, b = pairs_of("larger", lambda: oha(ul, cookies[(l_base, who)], seconds, rate),
                            "S", lambda: oha(us, cookies[(s_base, who)], seconds, rate), pairs)
            ratio = median_ratio(a, b, 1)
            bad = check_clean("larger", a) + check_clean("S", b)
            results.append((label, rate, ratio, statistics.median(x[1] for x in a), statistics.median(x[1] for x in b), bad))
        for label, rate, ratio, pl, ps, bad in results:
            print(f"P5 result: {label} at {rate}/s: p99 larger {pl:.1f} ms, S {ps:.1f} ms, median ratio {ratio:.2f} "
                  f"(target <= 1.5); {bad} errors or non-200 answers")
    finally:
        s_proc.kill()
        l_proc.kill()


def main():
    what = sys.argv[1]
    if what == "p1":
        bin_, baseline, database = sys.argv[2:5]
        rest = sys.argv[5:]
        p1(bin_, baseline, database, int(rest[0]) if rest else 5, int(rest[1]) if len(rest) > 1 else 5)
    elif what == "p4":
        bin_, unguarded, database = sys.argv[2:5]
        rest = sys.argv[5:]
        p4(bin_, unguarded, database, int(rest[0]) if rest else 5, int(rest[1]) if len(rest) > 1 else 5)
    elif what == "p5":
        bin_, small, large = sys.argv[2:5]
        rest = sys.argv[5:]
        p5(bin_, small, large, int(rest[0]) if rest else 5, int(rest[1]) if len(rest) > 1 else 5)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
