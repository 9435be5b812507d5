"""Load benchmarks: start the production server, drive it with wrk, then check the database.

    .venv/bin/python bench/run.py --db postgres --runs 3          # every scenario
    .venv/bin/python bench/run.py --db sqlite --scenario sign

Scenarios: sign (every request a new person), duplicates (300 people signing again and
again), confirm (a confirmation surge), count and page (reads), mixed (48 connections
polling the count while 16 sign), fault (a sign surge from 64 connections during which one
web worker, then the task worker sending the mail, is killed with SIGKILL) and overload
(a sign surge from 1024 connections: the server must answer 302 or 503 with Retry-After,
and nothing else). One more, mail, runs only when named: a sign surge, then how long the
task worker takes to send every confirmation email the surge left owed (to the sink SMTP
server on this machine). And
invalidate (PostgreSQL): 1,000,000 bot signatures removed by a domain rule while people
sign; it must take at most 60 s, leave the count exact, and keep signing at >= 50%.

Three more for the API and webhooks (docs/api.md), also only when named: webhooks (20,000
confirmations, then how fast the task worker delivers their events to a receiver on
loopback), webhook-overhead (the sign and confirm surges without, then with, two webhook
endpoints registered) and api-pages (page 1 and page 10,000 of a petition's 1,000,000
signers through GET /api/v1/petitions/{slug}/signers with a token).

Three for write to your official (docs/letters.md), also only when named: write (each
request a new supporter writing to their three members of Congress: letters accepted per
second, the confirmation mail left to the worker), lookup (GET /api/v1/writing/officials
for a ZIP from 4 connections, and the lookup's own time in the process) and letter-mail
(6,000 confirmed letters to offices that take email, then how fast the task worker sends
them to the sink SMTP server).

Each scenario prints requests/s, p50/p95/p99 latency and statuses, then checks that the
database holds every acknowledged signature and at most the unanswered ones besides, no
duplicates, and a count equal to the confirmed rows; after the fault run, that every
signature of it was mailed at least once (the sink SMTP server, bench/mailsink.py, writes
down every recipient), and how many twice. A failed check is printed and makes the exit
status 1; the other scenarios still run. Results are appended as JSON lines to
var/bench/results.jsonl.
"""

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
# BENCH_PORT and BENCH_DATABASE let two people bench on one machine without colliding.
PORT = int(os.environ.get("BENCH_PORT", "8099"))
BASE = f"http://127.0.0.1:{PORT}"
# The sink SMTP server's port (bench/mailsink.py), also one per bench: a sink left behind
# by another bench on the same port would receive this one's mail.
MAIL_PORT = int(os.environ.get("BENCH_MAIL_PORT", PORT + 10000))
BENCH_DB = os.environ.get("BENCH_DATABASE", "groundswell_bench")
SLUG = "bench-petition"
COUNT_PATH = f"/api/v1/petitions/{SLUG}/count"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
DEFAULT_SCENARIOS = ["sign", "duplicates", "confirm", "count", "page", "mixed", "fault", "overload"]
SCENARIOS = [
    *DEFAULT_SCENARIOS,
    "mail",
    "invalidate",
    "webhooks",
    "webhook-overhead",
    "api-pages",
    "cold",
    "write",
    "lookup",
    "letter-mail",
]
INVALID_ROWS = 1_000_000  # the invalidate scenario's bot signatures
INVALIDATE_SECONDS = 60  # its target
MAIL_WAIT_SECONDS = 600  # a backlog that takes longer than this to send fails the check
MIXED_VIEWERS, MIXED_SIGNERS = 48, 16
FAULT_CONNECTIONS = 64
OVERLOAD_CONNECTIONS = 1024
RESPAWN_SECONDS = 10  # a killed worker must be replaced within this
# bin/serve starts a killed task worker again after 1 s; Django then starts under a surge.
TASK_WORKER_RESPAWN_SECONDS = 60
# What a killed task worker had claimed is sent again once its lease runs out: shorter
# than the default (120 s) so that the fault run does not wait two minutes for it.
MAIL_LEASE_SECONDS = 15
FAILURES: list[str] = []


def environment(db: str, var: Path) -> dict:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback; TLS is the proxy's job
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "SITE_URL": BASE,
        "PORT": str(PORT),
        "VAR_DIR": str(var),
        "DATABASE_URL": PG_URL if db == "postgres" else "",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "EMAIL_URL": f"smtp://127.0.0.1:{MAIL_PORT}",
        "MAIL_LEASE_SECONDS": str(MAIL_LEASE_SECONDS),
        # One load generator is one IP: lift the per-address limits, keep the mechanism.
        "SIGN_RATE_PER_IP": "100000000/h",
        "WRITE_RATE_PER_IP": "100000000/h",
        "SIGN_RATE_PER_PERSON": "100000000/h",
        "SIGN_RATE_PER_EMAIL": "100000000/h",
        "API_TOKEN_RATE": "100000000/m",
        "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "1",  # the receiver listens on loopback
    }
    return env


def manage(env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, input=stdin, capture_output=True,
        text=True,
    )  # fmt: skip
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def django(env: dict, code: str) -> dict:
    """Run ``code`` in the project; it must print one JSON object."""
    return json.loads(manage(env, "shell", "--no-imports", stdin=code).strip().splitlines()[-1])


SETUP = f"""
import json
from groundswell.accounts.actions import create_organisation
from groundswell.accounts.models import User
from groundswell.petitions import actions
from groundswell.moderation.actions import moderators_group
from groundswell.petitions.models import Petition
user = User.objects.create_user("bench@example.org", "x", name="Bench", is_staff=True)
moderators_group().user_set.add(user)
org = create_organisation(name="Bench", owner=user)
p = actions.create_petition(organisation=org, created_by=user, title="Bench petition",
    demand="Measure.", targets=[actions.TargetInput("Ann Target", "Director")])
Petition.objects.filter(pk=p.pk).update(slug="{SLUG}")
p.refresh_from_db()
actions.submit_for_review(petition=p)
actions.approve_petition(petition=p, reviewer=user)
print(json.dumps({{"petition": p.pk}}))
"""

CHECK = f"""
import json
from django.db.models import Count
from groundswell.petitions import counting
from groundswell.petitions.models import Petition, Signature
p = Petition.objects.get(slug="{SLUG}")
rows = Signature.objects.filter(petition=p)
counting.forget(p.pk)
dupes = rows.values("email_normalised").annotate(n=Count("id")).filter(n__gt=1).count()
print(json.dumps({{"rows": rows.count(), "confirmed": rows.confirmed().count(),
    "count": counting.confirmed_count(p.pk), "duplicates": dupes}}))
"""

# A confirmation surge follows a sign surge: enough pending signatures that wrk follows
# fresh links all along, their emails already sent. Then the links, one a line.
LINKS = f"""
import json
from django.db.models import F
from groundswell.petitions import actions
from groundswell.petitions.models import Petition, Signature
p = Petition.objects.for_signing().get(slug="{SLUG}")
pending = Signature.objects.filter(petition=p).pending()
for start in range(pending.count(), {{wanted}}, 500):
    actions.sign_petitions(petition=p, signers=[
        actions.SignerInput("Bench Signer", f"{{tag}}-{{i}}@bench.example", "10001", "US")
        for i in range(start, min(start + 500, {{wanted}}))])
pending.update(emails_sent=F("emails_owed"))
paths = [s.get_confirm_path() for s in pending.only("ref_code")]
open("{{path}}", "w").write("\\n".join(paths) + "\\n")
print(json.dumps({{"links": len(paths)}}))
"""
CONFIRM_LINKS_PER_SECOND = 5000  # more than the server can confirm: repeats stay rare

# The emails wrk saw answered 302 (sign.lua, BENCH_ACKS) against the rows of that surge.
ACKED = f"""
import json
from groundswell.core.email_address import normalise_email
from groundswell.petitions.models import Signature
acked = {{normalise_email(line) for line in open("{{path}}").read().split()}}
stored = set(Signature.objects.filter(petition__slug="{SLUG}",
    email_normalised__startswith="{{tag}}-").values_list("email_normalised", flat=True))
print(json.dumps({{"acknowledged": len(acked), "missing": len(acked - stored),
    "unacknowledged": len(stored - acked)}}))
"""


# Waits, in one process, until no signature is owed an email; says how long that took.
MAIL_SENT = """
import json, time
from django.db.models import F
from groundswell.petitions.models import Signature
owed = Signature.objects.filter(emails_sent__lt=F("emails_owed"))
start, first = time.monotonic(), owed.count()
while (left := owed.count()) and time.monotonic() - start < {limit}:
    time.sleep(0.25)
print(json.dumps({"owed": first, "left": left, "seconds": time.monotonic() - start}))
"""


# The fault run's signatures against what the sink received: every one mailed at least
# once? The sink writes one line per recipient of every message it accepted.
MAILED = f"""
import json
from collections import Counter
from groundswell.petitions.models import Signature
stored = set(Signature.objects.filter(petition__slug="{SLUG}",
    email_normalised__startswith="{{tag}}-").values_list("email_normalised", flat=True))
messages = Counter(line.strip().lower() for line in open("{{path}}")
    if line.lower().startswith("{{tag}}-"))
print(json.dumps({{"signatures": len(stored), "mailed": len(stored & set(messages)),
    "lost": len(stored - set(messages)), "messages": sum(messages.values()),
    "twice_or_more": sum(1 for n in messages.values() if n > 1),
    "extra_messages": sum(n - 1 for n in messages.values())}}))
"""

# How many emails the killed task worker held (leased, not yet marked sent).
LEASED = """
import json
from django.db.models import F
from groundswell.petitions.models import Signature
print(json.dumps({"leased": Signature.objects.filter(emails_sent__lt=F("emails_owed"),
    email_lease_until__isnull=False).count()}))
"""


def _args(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def descendants(pid: int, name: str) -> list[int]:
    """The live processes below ``pid`` (at any depth) whose command line holds ``name``."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid=,stat=,args="], capture_output=True,
                         text=True).stdout  # fmt: skip
    rows = [line.split(None, 3) for line in out.splitlines() if line.strip()]
    below, found, todo = {}, [], [pid]
    for row in rows:
        if len(row) == 4 and not row[2].startswith("Z"):
            below.setdefault(int(row[1]), []).append((int(row[0]), row[3]))
    while todo:
        for child, args in below.get(todo.pop(), []):
            todo.append(child)
            if name in args:
                found.append(child)
    return sorted(found)


# The invalidate scenario: a million confirmed signatures at one bot domain, written in
# one statement (PostgreSQL's generate_series), counted, and the table analysed.
BOT_FARM = f"""
import json, time
from django.db import connection
from groundswell.petitions import counting
from groundswell.petitions.models import Petition, Signature
p = Petition.objects.get(slug="{SLUG}")
start = time.monotonic()
table = Signature._meta.db_table
with connection.cursor() as cursor:
    cursor.execute(
        f"INSERT INTO {{table}} (petition_id, name, email, email_normalised, postcode, country,"
        " comment, show_name, wants_updates, status, created_at, confirmed_at, ref_code,"
        " emails_owed, emails_sent, network_hash)"
        " SELECT %s, 'Bot', 'bot' || i || '@bots.example', 'bot' || i || '@bots.example',"
        " '10001', 'US', '', false, false, 'confirmed', now(), now(), 'bot' || i, 1, 1, ''"
        " FROM generate_series(1, %s) AS i", [p.pk, {{rows}}])
    cursor.execute(f"VACUUM ANALYZE {{table}}")
counting.recount(p.pk)
print(json.dumps({{"rows": {{rows}}, "seconds": time.monotonic() - start}}))
"""

# Runs the invalidation the way the worker does (moderation.actions.run_invalidation).
INVALIDATE = f"""
import json, time
from groundswell.moderation import actions
from groundswell.moderation.models import Invalidation
from groundswell.moderation.rules import Rule
from groundswell.petitions.models import Petition
p = Petition.objects.get(slug="{SLUG}")
rule = Rule("email_domain", {{"domain": "bots.example"}})
invalidation = Invalidation.objects.create(rule=rule.kind, parameters=rule.parameters,
    description=rule.describe(), petition=p, note="bench", matched={{rows}})
start = time.monotonic()
n = actions.run_invalidation(invalidation.pk)
print(json.dumps({{"invalidated": n, "seconds": time.monotonic() - start}}))
"""


def children(pid: int, name: str = "") -> list[int]:
    """The live child processes of ``pid`` whose command line holds ``name``."""
    out = subprocess.run(
        ["ps", "--ppid", str(pid), "-o", "pid=,stat=,args="], capture_output=True, text=True
    ).stdout
    rows = [[*line.split(None, 2), ""] for line in out.splitlines() if line.strip()]
    return sorted(int(r[0]) for r in rows if not r[1].startswith("Z") and name in r[2])


class Server:
    def __init__(self, env: dict):
        self.env = env
        self.proc = None
        self.log = Path(env["VAR_DIR"]) / "serve.log"  # the access log and any tracebacks

    def __enter__(self):
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                ["bin/serve"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 90  # a loaded machine warms up slowly
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{BASE}/healthz", timeout=1)
                return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()  # not left running behind us
        raise RuntimeError("the server did not start")

    def __exit__(self, *exc):
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:  # a worker deep in a mail backlog
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def web_workers(self) -> list[int]:
        """The Granian workers: the children of the granian master that bin/serve started."""
        masters = children(self.proc.pid, "granian")
        return children(masters[0]) if masters else []

    def task_workers(self) -> list[int]:
        """The task worker (which sends the mail), restarted by bin/serve when it dies."""
        workers = descendants(self.proc.pid, "manage.py db_worker")
        # Not the webhook worker (db_worker --queue-name webhooks), which sends no email.
        return [pid for pid in workers if "--queue-name" not in _args(pid)]


@dataclass
class Bench:
    env: dict
    server: Server
    seconds: int
    connections: int
    tag: str
    before: dict | None = None  # the database before the server started (the cold run)


def start_wrk(
    script: str, seconds: int, connections: int, extra_env: dict, threads: int = 2
) -> subprocess.Popen:
    env = {**os.environ, "BENCH_THREADS": str(threads), **extra_env}
    return subprocess.Popen(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
         "-s", f"bench/lua/{script}.lua", BASE + "/"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def finish_wrk(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"wrk exited with {proc.returncode}: {err}")
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def wrk(script: str, seconds: int, connections: int, extra_env: dict, threads: int = 2) -> dict:
    return finish_wrk(start_wrk(script, seconds, connections, extra_env, threads))


def warm_up(connections: int) -> None:
    """A few seconds unmeasured, so that every server thread has its database connection."""
    wrk("sign", 3, connections, sign_env("warm"))
    wrk("get", 2, connections, {"BENCH_PATH": f"/p/{SLUG}/"})


def sign_env(tag: str) -> dict:
    return {"BENCH_SLUG": SLUG, "BENCH_TAG": tag}


def signed(result: dict) -> int:
    return result["statuses"].get("302", 0)


def unanswered(result: dict) -> int:
    """Requests sent whose answer wrk never read: one a connection when its time ran out, and
    one for each connection the server dropped. Each may have been stored."""
    return result["sent"] - result["requests"]


def report(name: str, result: dict, check: dict | None = None) -> None:
    retry_after = ""
    if "503" in result["statuses"]:
        retry_after = f" ({result['retry_after']} of the 503s with Retry-After)"
    print(
        f"{name:<22} {result['rps']:>9.0f} req/s   p50 {result['p50_ms']:>7.2f} ms   "
        f"p95 {result['p95_ms']:>7.2f} ms   p99 {result['p99_ms']:>7.2f} ms   "
        f"statuses {result['statuses']}{retry_after}   socket errors "
        f"{result['connect_errors'] + result['read_errors'] + result['write_errors']}"
        f" (connect {result['connect_errors']}, read {result['read_errors']}, "
        f"write {result['write_errors']}) timeouts {result['timeouts']}"
    )
    if result["timeouts"]:  # wrk still reads a slow answer, but leaves it out of the latencies
        note(f"{result['timeouts']} answers took over 5 s and are not in the percentiles")
    if check is not None:
        note(f"database: {check}")


def timeline(result: dict) -> list[int]:
    """Answers in each wall-clock second of the run, the first and last partial: a stall
    shows as a dip."""
    seconds = {int(k): v for k, v in result.get("per_second", {}).items()}
    return [seconds.get(s, 0) for s in range(min(seconds), max(seconds) + 1)] if seconds else []


def note(text: str) -> None:
    print(f"{'':<22} {text}")


def expect(ok: bool, what: str, detail: object = "") -> None:
    if not ok:
        FAILURES.append(f"{what} {detail}")
        note(f"CHECK FAILED: {what} {detail}")


def check_database(after: dict) -> None:
    expect(after["duplicates"] == 0, "no duplicates", after)
    expect(after["count"] == after["confirmed"], "count == confirmed rows", after)


def check_signed(before: dict, after: dict, result: dict) -> None:
    """Every acknowledged (302) signature is stored, and at most the unanswered ones besides."""
    acked, new, most = signed(result), after["rows"] - before["rows"], unanswered(result)
    note(f"new rows {new}: acknowledged {acked} + {new - acked} (at most {most}) unanswered")
    expect(acked <= new <= acked + most, f"acknowledged {acked} <= new rows {new} <= + {most}")
    check_database(after)


def check_statuses(name: str, result: dict, allowed: set[str]) -> None:
    other = {k: v for k, v in result["statuses"].items() if k not in allowed}
    expect(not other, f"{name}: only statuses {sorted(allowed)}, not", other)


def scenario_sign(b: Bench) -> dict:
    before = django(b.env, CHECK)
    r = wrk("sign", b.seconds, b.connections, sign_env(b.tag + "s"))
    after = django(b.env, CHECK)
    report("sign", r, after)
    check_signed(before, after, r)
    return {"sign": r}


def scenario_cold(b: Bench) -> dict:
    """Signing from the moment the server first answers: no warm-up run (a node that joins
    a surge is a cold node). 15 s of sign POSTs; its p99 is the figure."""
    before = b.before or django(b.env, CHECK)  # counted before the server started
    r = wrk("sign", 15, b.connections, sign_env(b.tag + "c"))
    after = django(b.env, CHECK)
    report("sign (cold start)", r, after)
    note(f"answers a second: {timeline(r)}")
    check_signed(before, after, r)
    return {"cold": r}


def scenario_duplicates(b: Bench) -> dict:
    before = django(b.env, CHECK)
    r = wrk("sign", b.seconds, b.connections, {**sign_env(b.tag + "d"), "BENCH_POOL": "300"})
    after = django(b.env, CHECK)
    report("duplicates", r, after)
    expect(after["rows"] - before["rows"] <= 300, "at most 300 new rows", (before, after))
    check_database(after)
    return {"duplicates": r}


def scenario_confirm(b: Bench) -> dict:
    links = Path(tempfile.mkstemp(suffix=".txt")[1])
    wanted = CONFIRM_LINKS_PER_SECOND * b.seconds
    code = LINKS.replace("{path}", str(links)).replace("{wanted}", str(wanted))
    django(b.env, code.replace("{tag}", b.tag + "c"))
    r = wrk("confirm", b.seconds, b.connections, {"BENCH_LINKS": str(links)})
    r["confirmed_per_s"] = r["statuses"].get("200", 0) / r["seconds"]
    note(f"{r['confirmed_per_s']:.0f} confirmations/s counted for the first time (200)")
    time.sleep(1.2)  # counts may be a second old
    after = django(b.env, CHECK)
    report("confirm", r, after)
    check_database(after)
    return {"confirm": r}


def scenario_count(b: Bench) -> dict:
    r = wrk("get", b.seconds, b.connections, {"BENCH_PATH": COUNT_PATH})
    report("count", r)
    return {"count": r}


def scenario_page(b: Bench) -> dict:
    r = wrk("get", b.seconds, b.connections, {"BENCH_PATH": f"/p/{SLUG}/"})
    report("page", r)
    return {"page": r}


def scenario_mixed(b: Bench) -> dict:
    """Viewers poll the count while others sign, at the same time."""
    before = django(b.env, CHECK)
    viewers = start_wrk("get", b.seconds, MIXED_VIEWERS, {"BENCH_PATH": COUNT_PATH})
    signers = start_wrk("sign", b.seconds, MIXED_SIGNERS, sign_env(b.tag + "m"))
    reads, signs = finish_wrk(viewers), finish_wrk(signers)
    after = django(b.env, CHECK)
    report("mixed-count", reads)
    report("mixed-sign", signs, after)
    check_statuses("mixed-count", reads, {"200", "503"})
    check_statuses("mixed-sign", signs, {"302", "503"})
    check_signed(before, after, signs)
    return {"mixed-count": reads, "mixed-sign": signs}


def wait_for_respawn(server: Server, count: int, killed: int) -> float | None:
    """Seconds until ``count`` workers run again, ``killed`` not among them; None if that
    takes longer than RESPAWN_SECONDS."""
    start = time.monotonic()
    while time.monotonic() - start < RESPAWN_SECONDS:
        workers = server.web_workers()
        if len(workers) == count and killed not in workers:
            return time.monotonic() - start
        time.sleep(0.05)
    return None


def wait_for_task_worker(server: Server, killed: int, start: float) -> float | None:
    """Seconds from ``start`` (the kill) until a task worker other than ``killed`` runs;
    None if that takes longer than TASK_WORKER_RESPAWN_SECONDS."""
    while time.monotonic() - start < TASK_WORKER_RESPAWN_SECONDS:
        if [pid for pid in server.task_workers() if pid != killed]:
            return time.monotonic() - start
        time.sleep(0.1)
    return None


def scenario_fault(b: Bench) -> dict:
    """A sign surge during which one web worker dies (SIGKILL) a third of the way in, and the
    task worker, mid-way through sending the surge's emails, two thirds of the way in."""
    before = django(b.env, CHECK)
    workers = b.server.web_workers()
    if not workers:
        raise RuntimeError("no granian workers found")
    acks, tag = Path(tempfile.mkstemp(suffix=".txt")[1]), b.tag + "f"
    # One connection per thread, so that sign.lua knows which email each 302 answers.
    start = time.monotonic()
    proc = start_wrk(
        "sign", b.seconds, FAULT_CONNECTIONS, {**sign_env(tag), "BENCH_ACKS": str(acks)},
        threads=FAULT_CONNECTIONS,
    )  # fmt: skip
    time.sleep(b.seconds / 3)
    killed = workers[0]
    os.kill(killed, signal.SIGKILL)
    respawn = wait_for_respawn(b.server, len(workers), killed)
    time.sleep(max(0.0, start + b.seconds * 2 / 3 - time.monotonic()))
    [mailer] = b.server.task_workers()
    os.kill(mailer, signal.SIGKILL)
    mailer_killed_at = time.monotonic()
    mailer_back = wait_for_task_worker(b.server, mailer, mailer_killed_at)
    leased = django(b.env, LEASED)["leased"]  # still leased: theirs, or the new worker's
    r = finish_wrk(proc)
    after = django(b.env, CHECK)
    emails = django(b.env, ACKED.replace("{path}", str(acks)).replace("{tag}", tag))
    now = b.server.web_workers()
    sent = mail_sent(b.env)
    mailed = django(b.env, MAILED.replace("{path}", str(b.env["BENCH_MAIL_LOG"])).replace(
        "{tag}", tag))  # fmt: skip
    r["fault"] = {"killed": killed, "workers_before": workers, "workers_after": now,
                  "respawn_seconds": respawn, "emails": emails, "mailer_killed": mailer,
                  "leased_when_killed": leased, "mailer_back_seconds": mailer_back,
                  "mail": sent, "mailed": mailed}  # fmt: skip
    report("fault", r, after)
    replaced = "not replaced" if respawn is None else f"replaced in {respawn:.2f} s"
    note(f"killed worker {killed} at {b.seconds / 3:.1f} s, {replaced}; workers {workers} -> {now}")
    note(f"by email: {emails}")
    back = "not restarted" if mailer_back is None else f"restarted in {mailer_back:.1f} s"
    note(
        f"killed the task worker {mailer} at {b.seconds * 2 / 3:.1f} s, {back}; {leased} "
        f"emails leased just after; {sent['seconds']:.1f} s after the surge nothing was owed"
    )
    note(
        f"mail: {mailed['signatures']} signatures, {mailed['lost']} lost (never mailed), "
        f"{mailed['twice_or_more']} mailed twice or more ({mailed['extra_messages']} extra "
        f"messages)"
    )
    expect(respawn is not None, f"a replacement worker within {RESPAWN_SECONDS} s", now)
    expect(len(now) == len(workers) and killed not in now, "as many workers after", now)
    expect(emails["missing"] == 0, "every email answered 302 is stored", emails)
    expect(mailer_back is not None, f"a new task worker within {TASK_WORKER_RESPAWN_SECONDS} s")
    expect(sent["left"] == 0, f"every email sent within {MAIL_WAIT_SECONDS} s", sent)
    expect(mailed["lost"] == 0, "every signature of the fault run mailed at least once", mailed)
    check_statuses("fault", r, {"302", "503"})
    check_signed(before, after, r)
    return {"fault": r}


def scenario_overload(b: Bench) -> dict:
    """Far more signers than the server serves at once: it sheds load with 503s, or queues
    them within a bound (no answer over wrk's 5 s timeout), and loses none it acknowledged."""
    before = django(b.env, CHECK)
    r = wrk("sign", b.seconds, OVERLOAD_CONNECTIONS, sign_env(b.tag + "o"), threads=4)
    after = django(b.env, CHECK)
    report("overload", r, after)
    check_statuses("overload", r, {"302", "503"})
    shed, queued = r["retry_after"] > 0, r["timeouts"] == 0 and r["p99_ms"] < 5000
    expect(shed or queued, "503s with Retry-After, or every answer within 5 s", r["statuses"])
    expect(r["timeouts"] <= r["requests"] // 100, "timeouts at most 1% of requests", r["timeouts"])
    check_signed(before, after, r)
    return {"overload": r}


def mail_sent(env: dict) -> dict:
    return django(env, MAIL_SENT.replace("{limit}", str(MAIL_WAIT_SECONDS)))


def scenario_mail(b: Bench) -> dict:
    """A sign surge, then the time until the last confirmation email it asked for is sent."""
    mail_sent(b.env)  # what earlier scenarios left owed goes out first
    r = wrk("sign", b.seconds, b.connections, sign_env(b.tag + "e"))
    after = mail_sent(b.env)
    mailed_during = signed(r) - after["owed"]
    r["mail"] = {**after, "mailed_during_surge": mailed_during}
    r["mail_seconds"], r["emails_per_s"] = after["seconds"], after["owed"] / after["seconds"]
    report("mail", r)
    note(
        f"{signed(r)} signed in {r['seconds']:.0f} s, {mailed_during} of their emails sent "
        f"meanwhile; the other {after['owed']} in {after['seconds']:.1f} s after the surge "
        f"({r['emails_per_s']:.0f} emails/s)"
    )
    expect(after["left"] == 0, f"every email sent within {MAIL_WAIT_SECONDS} s", after)
    return {"mail": r}


def scenario_invalidate(b: Bench) -> dict:
    """A million bot signatures invalidated by a domain rule while people keep signing."""
    if b.env["DATABASE_URL"] == "":
        note("invalidate: PostgreSQL only (--db postgres)")
        return {}
    farm = django(b.env, BOT_FARM.replace("{rows}", str(INVALID_ROWS)))
    note(f"{farm['rows']} bot signatures written in {farm['seconds']:.0f} s")
    alone = wrk("sign", b.seconds, b.connections, sign_env(b.tag + "a"))
    report("sign (before)", alone)
    code = INVALIDATE.replace("{rows}", str(INVALID_ROWS))
    proc = subprocess.Popen(
        [PY, "manage.py", "shell", "--no-imports"], cwd=ROOT, env=b.env, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    proc.stdin.write(code)
    proc.stdin.close()
    time.sleep(1)  # the batches are under way
    before = django(b.env, CHECK)
    during = wrk("sign", b.seconds, b.connections, sign_env(b.tag + "i"))
    still_running = proc.poll() is None
    out = proc.stdout.read()
    if proc.wait():
        raise RuntimeError(f"the invalidation failed:\n{proc.stderr.read()[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    after = django(b.env, CHECK)
    during["invalidate_seconds"] = result["seconds"]
    during["share_of_usual"] = during["rps"] / alone["rps"]
    report("sign (during)", during, after)
    note(
        f"{result['invalidated']} signatures invalidated in {result['seconds']:.1f} s; signing "
        f"kept {during['share_of_usual']:.0%} of its rate"
        + ("" if still_running else " (the invalidation ended before the signing window did)")
    )
    check_signed(before, after, during)
    expect(result["invalidated"] == INVALID_ROWS, "every bot invalidated", result)
    expect(result["seconds"] <= INVALIDATE_SECONDS, f"within {INVALIDATE_SECONDS} s", result)
    expect(during["share_of_usual"] >= 0.5, "signing at >= 50% meanwhile", during["rps"])
    return {"sign_before_invalidate": alone, "sign_during_invalidate": during}


# --- Webhooks and the API ------------------------------------------------------------------

ENDPOINTS = """
import json
from groundswell.accounts.models import Organisation
from groundswell.integrations import actions
from groundswell.integrations.models import WebhookEndpoint
org = Organisation.objects.get(slug="bench")
WebhookEndpoint.objects.filter(organisation=org).delete()
made = [actions.create_endpoint(organisation=org, created_by=None, url=f"{url}/{i}",
        events=["signature.confirmed"]) for i in range({n})]
print(json.dumps({"secrets": [e.secret for e in made]}))
"""

# Pending signatures made and confirmed in batches of 500 through confirm_signatures, the
# fast confirmation path's action: each batch writes its events as one outbox row. All in
# one transaction, so that the measurement is the worker's: dispatch, sign, send.
CONFIRM_MANY = f"""
import json, time
from django.db import transaction
from django.db.models import F
from groundswell.petitions import actions
from groundswell.petitions.models import Petition, Signature
p = Petition.objects.for_signing().get(slug="{SLUG}")
tag = "{{tag}}"
for start in range(0, {{n}}, 500):
    actions.sign_petitions(petition=p, signers=[
        actions.SignerInput("Hook Signer", f"{{tag}}-{{i}}@bench.example", "10001", "US")
        for i in range(start, min(start + 500, {{n}}))])
mine = Signature.objects.filter(petition=p, email_normalised__startswith=tag + "-")
mine.update(emails_sent=F("emails_owed"))  # their emails are not what is measured here
codes = list(mine.pending().values_list("ref_code", flat=True))
started = time.time()
with transaction.atomic():  # every outbox row commits at once: the worker's pace alone
    for start in range(0, len(codes), 500):
        actions.confirm_signatures(ref_codes=codes[start:start + 500])
print(json.dumps({{"confirmed": len(codes), "started": started, "finished": time.time()}}))
"""
WEBHOOK_EVENTS = 20000
WEBHOOK_WAIT_SECONDS = 300


class Receiver:
    """A webhook receiver on loopback: counts events, checks a delivery's signature."""

    def __init__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.events, self.deliveries, self.first, self.last = 0, 0, None, None
        self.sample: tuple[dict, bytes] | None = None
        lock, receiver = threading.Lock(), self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                n = len(json.loads(body)["data"]["events"])
                with lock:
                    now = time.time()
                    receiver.first = receiver.first or now
                    receiver.last = now
                    receiver.events += n
                    receiver.deliveries += 1
                    receiver.sample = receiver.sample or (dict(self.headers.items()), body)
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def endpoints(env: dict, url: str, n: int) -> list[str]:
    code = ENDPOINTS.replace("{url}", url).replace("{n}", str(n))
    secrets = django(env, code)["secrets"]
    time.sleep(1.5)  # every process's list of organisations with endpoints is 1 s old at most
    return secrets


def scenario_webhooks(b: Bench) -> dict:
    """20,000 confirmations, then the time until their events reach a loopback receiver."""
    from standardwebhooks.webhooks import Webhook

    receiver = Receiver()
    try:
        [secret] = endpoints(b.env, receiver.url, 1)
        code = CONFIRM_MANY.replace("{tag}", b.tag + "w").replace("{n}", str(WEBHOOK_EVENTS))
        made = django(b.env, code)
        start = time.time()
        while receiver.events < made["confirmed"] and time.time() - start < WEBHOOK_WAIT_SECONDS:
            time.sleep(0.1)
        headers, body = receiver.sample or ({}, b"")
        Webhook(secret).verify(body, headers)  # raises if the signature is wrong
    finally:
        receiver.close()
        endpoints(b.env, receiver.url, 0)
    span = (receiver.last or start) - made["finished"]  # from the commit to the last event
    r = {
        "events": receiver.events,
        "deliveries": receiver.deliveries,
        "seconds": span,
        "rps": receiver.events / span if span else 0.0,
        "confirm_seconds": made["finished"] - made["started"],
        "p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0,
    }  # fmt: skip
    print(
        f"{'webhooks':<22} {r['rps']:>9.0f} events/s   {r['events']} events in "
        f"{r['deliveries']} deliveries, the last {span:.1f} s after the confirmations "
        f"committed (confirming {made['confirmed']} took {r['confirm_seconds']:.1f} s)"
    )
    expect(receiver.events == made["confirmed"], "every event delivered", r)
    expect(r["rps"] >= 500, "webhook deliveries >= 500 events/s", f"{r['rps']:.0f}")
    return {"webhooks": r}


OVERHEAD_ROUNDS = [("without", 0), ("with-2-endpoints", 2), ("without-again", 0)]


def scenario_webhook_overhead(b: Bench) -> dict:
    """The sign and confirm surges without, with, and again without two endpoints of the
    petition's organisation registered (events go to a loopback receiver meanwhile). The
    run with endpoints is compared with the mean of the two without, which are apart in
    time on either side of it: a shared machine's load drifts."""
    receiver = Receiver()
    results = {}
    try:
        for label, n in OVERHEAD_ROUNDS:
            endpoints(b.env, receiver.url, n)
            tag = f"{b.tag}{label}"  # new people each round
            out = {
                **scenario_sign(Bench(b.env, b.server, b.seconds, b.connections, tag)),
                **scenario_confirm(Bench(b.env, b.server, b.seconds, b.connections, tag)),
            }
            results.update({f"{name}-{label}": r for name, r in out.items()})
    finally:
        endpoints(b.env, receiver.url, 0)
        receiver.close()
    for name in ("sign", "confirm"):
        without = statistics.mean(
            results[f"{name}-{label}"]["rps"] for label in ("without", "without-again")
        )
        with_ = results[f"{name}-with-2-endpoints"]["rps"]
        note(f"{name}: {with_:.0f} req/s with two endpoints, {without:.0f} without (mean): "
             f"{with_ / without:.2f}")  # fmt: skip
        expect(with_ >= 0.9 * without, f"{name} with two endpoints within 10% of without")
    note(f"the receiver got {receiver.events} events in {receiver.deliveries} deliveries")
    return results


# 1,000,000 confirmed signers of a petition of the bench organisation, written by the
# database itself (as an import would leave them), and a token that may read them.
API_SETUP = """
import json
from django.db import connection
from groundswell.accounts.models import Organisation
from groundswell.integrations import actions
from groundswell.petitions import actions as petitions
from groundswell.petitions.models import Petition, Signature
org = Organisation.objects.get(slug="bench")
p = Petition.objects.filter(slug="bench-api").first()
if p is None:
    user = org.members.first()
    p = petitions.create_petition(organisation=org, created_by=user, title="Bench API",
        demand="Read.", targets=[petitions.TargetInput("Ann Target", "Director")])
    Petition.objects.filter(pk=p.pk).update(slug="bench-api")
n = {n}
if not Signature.objects.filter(petition=p).exists():
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            series = "generate_series(1, %s) AS s(i)"
            at = "now() - interval '30 days' + i * interval '1 millisecond'"
            prefix = ""
        else:
            series = "s"
            at = ("strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now', '-30 days', "
                  "'+' || (i / 1000.0) || ' seconds')")
            prefix = "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %s) "
        c.execute(prefix + "INSERT INTO petitions_signature (petition_id, name, email, "
            "email_normalised, postcode, country, comment, show_name, wants_updates, status, "
            "created_at, confirmed_at, ref_code, emails_owed, emails_sent) "
            f"SELECT {p.pk}, 'Signer ' || i, 'api' || i || '@bench.example', "
            "'api' || i || '@bench.example', '10001', 'US', '', false, false, 'confirmed', "
            f"{at}, {at}, 'api' || i, 0, 0 FROM {series}", [n])
        c.execute("ANALYZE")
_token, secret = actions.create_token(organisation=org, created_by=None, name="bench",
    scopes=["signatures:read"])
rows = Signature.objects.filter(petition=p, status="confirmed").order_by("confirmed_at", "pk")
last = rows.values_list("confirmed_at", "pk")[{offset} - 1]  # the row before page 10,000
from groundswell.api.pagination import _encode
print(json.dumps({"token": secret, "cursor": _encode(list(last)),
                  "rows": rows.count()}))
"""
API_ROWS, API_PAGE, API_LIMIT = 1_000_000, 10_000, 100


def scenario_api_pages(b: Bench) -> dict:
    """GET …/signers?limit=100, page 1 and page 10,000 (its cursor), 8 connections each."""
    started = time.monotonic()
    code = API_SETUP.replace("{n}", str(API_ROWS))
    made = django(b.env, code.replace("{offset}", str((API_PAGE - 1) * API_LIMIT)))
    note(f"{made['rows']} signers ready in {time.monotonic() - started:.0f} s")
    path = f"/api/v1/petitions/bench-api/signers?limit={API_LIMIT}"
    results = {}
    for name, url in (("api-page-1", path), ("api-page-10000", f"{path}&cursor={made['cursor']}")):
        r = wrk("get", b.seconds, 8, {"BENCH_PATH": url, "BENCH_TOKEN": made["token"]})
        report(name, r)
        check_statuses(name, r, {"200"})
        results[name] = r
    first, deep = results["api-page-1"], results["api-page-10000"]
    ratio = deep["p50_ms"] / first["p50_ms"]
    note(f"page 10,000 / page 1: p50 {ratio:.2f}x, req/s {deep['rps'] / first['rps']:.2f}x")
    expect(ratio <= 2 and first["rps"] <= 2 * deep["rps"], "page 10,000 within 2x of page 1")
    return results


# --- Write to your official -------------------------------------------------------------------

WRITE_SLUG = "bench-write"
WRITING_SETUP = f"""
import json
from groundswell.accounts.models import Organisation
from groundswell.letters.writing import actions
from groundswell.letters.writing.models import WritingCampaign
from groundswell.targets import congress
from groundswell.targets.models import DirectoryEdition, Target, TargetContact
if DirectoryEdition.current() is None:
    congress.load()
org = Organisation.objects.get(name="Bench")
if not WritingCampaign.objects.filter(slug="{WRITE_SLUG}").exists():
    actions.create_campaign(organisation=org, slug="{WRITE_SLUG}", title="Bench letters",
        subject="Bench", letter="Please measure.")
# Every office of WA-7 takes email in this campaign (the organisation's own addresses).
for t in Target.objects.filter(us_state="WA", chamber="senate") | Target.objects.filter(
        us_state="WA", chamber="house", us_district=7):
    TargetContact.objects.get_or_create(target=t, organisation=org,
        defaults={{"email": f"office-{{t.pk}}@bench.example"}})
print(json.dumps({{"ok": True}}))
"""

WRITTEN = f"""
import json
from groundswell.letters.writing.models import OfficialLetter, Writer
print(json.dumps({{"letters": OfficialLetter.objects.filter(campaign__slug="{WRITE_SLUG}").count(),
    "writers": Writer.objects.filter(campaign__slug="{WRITE_SLUG}").count()}}))
"""

LOOKUP_TIMING = """
import json, time
from groundswell.letters.writing import lookup
zips = ["98105", "98118", "05401", "10001", "60614", "94110", "73301", "02139"]
lookup.districts_for_zip("00000")  # reads this process's copy of the ZIP table, once
times, cpu = [], []
for i in range(2000):
    start, start_cpu = time.perf_counter(), time.process_time()
    lookup.districts_for_zip(zips[i % len(zips)])  # each district with its officials
    times.append((time.perf_counter() - start) * 1000)
    cpu.append((time.process_time() - start_cpu) * 1000)
times.sort()
print(json.dumps({"p50_ms": times[1000], "p99_ms": times[1980], "cpu_ms": sum(cpu) / len(cpu)}))
"""

LETTERS_QUEUED = f"""
import json
from django.db import transaction
from groundswell.letters.writing import actions
from groundswell.letters.writing.models import WritingCampaign
campaign = WritingCampaign.objects.get(slug="{WRITE_SLUG}")
with transaction.atomic():  # committed at once: the worker starts on a full queue
    for i in range({{writers}}):
        written = actions.write_to_officials(campaign=campaign, name="Bench Mailer",
            email=f"{{tag}}-{{i}}@bench.example", state="WA", district=7, zip_code="98105",
            street="1 Main St", city="Seattle")
        actions.confirm_writer(token=written.writer.confirm_token())
print(json.dumps({{"ok": True}}))
"""

LETTERS_SENT = """
import json, time
from django.db.models import Max, Min
from groundswell.letters.writing.models import OfficialLetter
queued = OfficialLetter.objects.filter(status="queued")
start = time.monotonic()
while (left := queued.count()) and time.monotonic() - start < {limit}:
    time.sleep(0.25)
sent = OfficialLetter.objects.filter(status="sent", to_email__endswith="@bench.example",
    writer__email__startswith="{tag}-")
span = sent.aggregate(first=Min("sent_at"), last=Max("sent_at"))
seconds = (span["last"] - span["first"]).total_seconds() if span["first"] else 0
print(json.dumps({"left": left, "sent": sent.count(), "seconds": seconds,
    "waited": time.monotonic() - start}))
"""
LETTER_MAIL_WRITERS = 2000  # three letters each
WRITE_CONNECTIONS = 16  # writing goes through Django: its slots, not a surge's queue


def scenario_write(b: Bench) -> dict:
    """Supporters write to their officials: letters accepted per second (mail comes later)."""
    django(b.env, WRITING_SETUP)
    before = django(b.env, WRITTEN)
    # New addresses on every bench: the per-address limit (5 an hour, kept in Redis across
    # benches) refused the sixth bench within an hour.
    tag = f"{b.tag}w{int(time.time())}"
    env = {"BENCH_WRITE_SLUG": WRITE_SLUG, "BENCH_TAG": tag}
    connections = min(b.connections, WRITE_CONNECTIONS)
    wrk("write", 3, connections, {**env, "BENCH_TAG": tag + "warm"})  # unmeasured
    before = django(b.env, WRITTEN)
    r = wrk("write", b.seconds, connections, env)
    after = django(b.env, WRITTEN)
    r["letters_per_s"] = (after["letters"] - before["letters"]) / r["seconds"]
    report(f"write ({connections} connections)", r, after)
    note(f"{r['letters_per_s']:.0f} letters/s accepted (3 a writer), mail left to the worker")
    accepted = r["statuses"].get("200", 0)
    expect(after["writers"] - before["writers"] >= accepted, "every 200 stored", (before, after))
    # Past capacity the edge answers 503 with Retry-After before anything is written.
    check_statuses("write", r, {"200", "503"})
    return {"write": r}


def scenario_lookup(b: Bench) -> dict:
    django(b.env, WRITING_SETUP)
    r = wrk("get", b.seconds, 4, {"BENCH_PATH": "/api/v1/writing/officials?zip=98118"})
    inside = django(b.env, LOOKUP_TIMING)
    r["lookup_p50_ms"], r["lookup_p99_ms"] = inside["p50_ms"], inside["p99_ms"]
    report("lookup (4 connections)", r)
    note(
        f"the lookup itself: p50 {inside['p50_ms']:.2f} ms, p99 {inside['p99_ms']:.2f} ms "
        f"(wall, database included); {inside['cpu_ms']:.2f} ms of this process's CPU on average"
    )
    check_statuses("lookup", r, {"200"})
    expect(inside["p99_ms"] <= 5, "ZIP lookup within 5 ms", inside)
    return {"lookup": r}


def scenario_letter_mail(b: Bench) -> dict:
    """6,000 confirmed letters to offices by email: how fast the worker sends them."""
    django(b.env, WRITING_SETUP)
    tag = b.tag + "lm"
    code = LETTERS_QUEUED.replace("{writers}", str(LETTER_MAIL_WRITERS)).replace("{tag}", tag)
    django(b.env, code)
    sent = django(
        b.env, LETTERS_SENT.replace("{limit}", str(MAIL_WAIT_SECONDS)).replace("{tag}", tag)
    )
    per_s = sent["sent"] / sent["seconds"] if sent["seconds"] else 0
    note(
        f"letter-mail: {sent['sent']} letters emailed in {sent['seconds']:.1f} s "
        f"({per_s:.0f}/s, first to last), {sent['left']} left"
    )
    expect(sent["left"] == 0 and sent["sent"] == 3 * LETTER_MAIL_WRITERS, "every letter sent", sent)
    return {"letter-mail": {"rps": per_s, "emails_per_s": per_s, "mail_seconds": sent["seconds"]}}


SCENARIO_FUNCTIONS = {name: globals()[f"scenario_{name.replace('-', '_')}"] for name in SCENARIOS}


def run_scenarios(bench: Bench, names: list[str]) -> dict:
    results = {}
    for name in names:
        before = cpu_seconds(bench.server)
        results.update(SCENARIO_FUNCTIONS[name](bench))
        after = cpu_seconds(bench.server)
        spent = {role: after[role] - before.get(role, 0.0) for role in after}
        used = ", ".join(f"{role} {t:.1f}" for role, t in spent.items() if t >= 0.05)
        note(f"CPU seconds: {used}")
    return results


# Which process of the site is which, by its command line (the first that matches).
ROLES = [("signing_service", "signing service"), ("--queue-name webhooks", "webhook worker"),
         ("db_worker", "task worker"), ("scheduler", "scheduler"), ("granian", "web")]  # fmt: skip
TICKS = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    """CPU seconds ``pid`` has used, with its children that have ended (Django's checks)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / TICKS  # utime stime cutime cstime


def cpu_seconds(server: "Server") -> dict[str, float]:
    """CPU seconds used so far by each kind of process of the site, and by PostgreSQL (all
    of its databases: other work on the machine counts too) and the mail sink: where a
    scenario's time went, which a shared machine's noise does not move."""
    totals: dict[str, float] = {}
    for pid in descendants(server.proc.pid, ""):
        args = _args(pid)
        role = next((role for key, role in ROLES if key in args), None)
        if role is not None:
            totals[role] = totals.get(role, 0.0) + _cpu(pid)
    out = subprocess.run(["ps", "-e", "-o", "pid=,comm=,args="], capture_output=True,
                         text=True).stdout  # fmt: skip
    for line in out.splitlines():
        pid, comm, args = [*line.split(None, 2), ""][:3]
        role = "postgres" if comm == "postgres" else "mail sink" if "mailsink.py" in args else None
        if role == "mail sink" and f":{MAIL_PORT}" not in args:
            role = None  # another bench's sink
        if role is not None:
            totals[role] = totals.get(role, 0.0) + _cpu(int(pid))
    return totals


def raise_open_files(wanted: int) -> None:
    """wrk and the server each hold a descriptor per connection in the overload scenario."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < limit:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    if limit < wanted:
        print(f"warning: at most {limit} open files (hard limit); overload may fail to connect")


def fresh_database(db: str, env: dict) -> None:
    if db == "postgres":
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", BENCH_DB],
            check=True,
        )
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", BENCH_DB], check=True)
    manage(env, "migrate", "--noinput")
    django(env, SETUP)


MEDIANS = ["rps", "p50_ms", "p95_ms", "p99_ms", "confirmed_per_s", "mail_seconds", "emails_per_s",
           "invalidate_seconds", "share_of_usual", "letters_per_s", "lookup_p50_ms",
           "lookup_p99_ms"]  # fmt: skip


def write_medians(db: str, all_runs: list[dict]) -> None:
    print(f"--- medians of {len(all_runs)} run(s)")
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    with (out / "results.jsonl").open("a") as f:
        for name in all_runs[0]:
            rows = [r[name] for r in all_runs]
            median = {k: statistics.median(r[k] for r in rows) for k in MEDIANS if k in rows[0]}
            first_time = ""
            if "confirmed_per_s" in median:
                first_time = f"   ({median['confirmed_per_s']:.0f}/s counted for the first time)"
            if "mail_seconds" in median:
                first_time = (
                    f"   (then {median['mail_seconds']:.1f} s until every email was sent, "
                    f"{median['emails_per_s']:.0f}/s)"
                )
            latency = ""
            if "p50_ms" in median:  # letter-mail measures the worker alone: no requests
                latency = (
                    f"   p50 {median['p50_ms']:.2f}   p95 {median['p95_ms']:.2f}   "
                    f"p99 {median['p99_ms']:.2f} ms"
                )
            print(f"{name:<22} {median['rps']:>9.0f} req/s{latency}{first_time}")
            f.write(json.dumps({"db": db, "scenario": name, "runs": rows, "median": median}) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=SCENARIOS,
        help="repeat for several; default all but mail",
    )
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--connections", type=int, default=64, help="for sign, duplicates, confirm, count, page"
    )
    args = parser.parse_args()
    names = args.scenario or DEFAULT_SCENARIOS

    raise_open_files(4 * OVERLOAD_CONNECTIONS)
    var = Path(tempfile.mkdtemp(prefix="groundswell-bench-"))
    env = environment(args.db, var)
    fresh_database(args.db, env)
    env["BENCH_MAIL_LOG"] = str(var / "mailed.txt")  # every recipient, one a line
    sink = subprocess.Popen(
        [PY, str(ROOT / "bench" / "mailsink.py"), f"127.0.0.1:{MAIL_PORT}", env["BENCH_MAIL_LOG"]],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    all_runs = []
    # The cold run starts the moment the server first answers: what it needs to know of
    # the database beforehand is read before the server starts.
    before = django(env, CHECK) if "cold" in names else None
    try:
        with Server(env) as server:
            print(f"--- server output in {server.log}")
            if "cold" not in names:  # the cold-start scenario measures the first seconds
                warm_up(args.connections)
            for run in range(args.runs):
                print(
                    f"--- run {run + 1} of {args.runs} ({args.db}, {args.connections} connections)"
                )
                bench = Bench(env, server, args.seconds, args.connections, f"r{run}", before)
                before = None  # a second run is no longer cold
                all_runs.append(run_scenarios(bench, names))
    finally:
        sink.terminate()
    write_medians(args.db, all_runs)
    if FAILURES:
        print(f"--- {len(FAILURES)} check(s) failed:")
        for failure in FAILURES:
            print(f"    {failure}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
