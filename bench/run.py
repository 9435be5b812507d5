"""Load benchmarks: start the production server, drive it with wrk, then check the database.

    .venv/bin/python bench/run.py --db postgres --runs 3          # every scenario
    .venv/bin/python bench/run.py --db sqlite --scenario sign

Each scenario prints requests/s, p50/p95/p99 latency and statuses, then checks that the
database holds exactly the acknowledged signatures, no duplicates, and a count equal to the
confirmed rows. Results are appended as JSON lines to var/bench/results.jsonl.
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PORT = 8099
BASE = f"http://127.0.0.1:{PORT}"
SLUG = "bench-petition"
PG_URL = "postgres://postgres@127.0.0.1:5432/groundswell_bench"


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
        "EMAIL_URL": "smtp://127.0.0.1:2599",
        # One load generator is one IP: lift the per-address limits, keep the mechanism.
        "SIGN_RATE_PER_IP": "100000000/h",
        "SIGN_RATE_PER_PERSON": "100000000/h",
        "SIGN_RATE_PER_EMAIL": "100000000/h",
    }
    return env


def manage(env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, input=stdin, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    return result.stdout


def django(env: dict, code: str) -> dict:
    """Run ``code`` in the project; it must print one JSON object."""
    return json.loads(manage(env, "shell", "--no-imports", stdin=code).strip().splitlines()[-1])


SETUP = f"""
import json
from groundswell.accounts.actions import create_organisation
from groundswell.accounts.models import User
from groundswell.petitions import actions
from groundswell.petitions.models import Petition
user = User.objects.create_user("bench@example.org", "x", name="Bench", is_staff=True)
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

LINKS = f"""
import json
from groundswell.petitions.models import Signature
paths = [s.get_confirm_path() for s in Signature.objects.filter(
    petition__slug="{SLUG}").pending().only("ref_code")]
open("{{path}}", "w").write("\\n".join(paths) + "\\n")
print(json.dumps({{"links": len(paths)}}))
"""


class Server:
    def __init__(self, env: dict):
        self.env = env
        self.proc = None

    def __enter__(self):
        self.proc = subprocess.Popen(
            ["bin/serve"], cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{BASE}/healthz", timeout=1)
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def __exit__(self, *exc):
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:  # a worker deep in a mail backlog
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def gunicorn_workers(self) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-f", "gunicorn groundswell"], capture_output=True, text=True
        )
        pids = sorted(int(p) for p in out.stdout.split())
        return pids[1:]  # the first is the master


def csrf_token() -> str:
    with urllib.request.urlopen(f"{BASE}/p/{SLUG}/") as response:
        cookie = response.headers.get("Set-Cookie", "")
        body = response.read().decode()
    match = re.search(r"csrftoken=([^;]+)", cookie) or re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', body
    )
    return match.group(1)


def wrk(script: str, path: str, seconds: int, connections: int, extra_env: dict) -> dict:
    threads = 2
    env = {**os.environ, "BENCH_THREADS": str(threads), **extra_env}
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
         "-s", f"bench/lua/{script}.lua", BASE + path],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def report(name: str, result: dict, check: dict | None = None) -> None:
    print(
        f"{name:<22} {result['rps']:>9.0f} req/s   p50 {result['p50_ms']:>7.2f} ms   "
        f"p95 {result['p95_ms']:>7.2f} ms   p99 {result['p99_ms']:>7.2f} ms   "
        f"statuses {result['statuses']}   socket errors "
        f"{result['connect_errors'] + result['read_errors'] + result['write_errors']}"
        f" timeouts {result['timeouts']}"
    )
    if check is not None:
        print(f"{'':<22} database: {check}")


def run_scenarios(env: dict, names: list[str], seconds: int, connections: int, tag: str):
    results = {}
    token = csrf_token()
    sign_env = {"BENCH_SLUG": SLUG, "BENCH_CSRF": token}

    def signed(result):
        return result["statuses"].get("302", 0)

    for name in names:
        before = django(env, CHECK)
        if name == "sign":
            r = wrk("sign", "/", seconds, connections, {**sign_env, "BENCH_TAG": tag + "s"})
            after = django(env, CHECK)
            # Every acknowledged signature is stored; a few more may have been stored whose
            # answers wrk did not wait for when its time ran out.
            new_rows = after["rows"] - before["rows"]
            assert signed(r) <= new_rows <= signed(r) + connections, (before, after, r)
        elif name == "duplicates":
            r = wrk("sign", "/", seconds, connections, {**sign_env, "BENCH_POOL": "300"})
            after = django(env, CHECK)
            assert after["rows"] - before["rows"] <= 300
        elif name == "confirm":
            links = Path(tempfile.mkstemp(suffix=".txt")[1])
            django(env, LINKS.replace("{path}", str(links)))
            r = wrk("confirm", "/", seconds, connections, {"BENCH_LINKS": str(links)})
            time.sleep(1.2)  # counts may be a second old
            after = django(env, CHECK)
        elif name == "count":
            r = wrk(
                "get", "/", seconds, connections, {"BENCH_PATH": f"/api/v1/petitions/{SLUG}/count"}
            )
            after = None
        elif name == "page":
            r = wrk("get", "/", seconds, connections, {"BENCH_PATH": f"/p/{SLUG}/"})
            after = None
        else:
            raise SystemExit(f"unknown scenario {name}")
        if after is not None:
            assert after["duplicates"] == 0, after
            assert after["count"] == after["confirmed"], after
        report(name, r, after)
        results[name] = r
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument(
        "--scenario", action="append", help="sign, duplicates, confirm, count, page"
    )
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    names = args.scenario or ["sign", "duplicates", "confirm", "count", "page"]

    var = Path(tempfile.mkdtemp(prefix="groundswell-bench-"))
    env = environment(args.db, var)
    if args.db == "postgres":
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "groundswell_bench"],
            check=True,
        )
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-U", "postgres", "groundswell_bench"], check=True
        )
    manage(env, "migrate", "--noinput")
    django(env, SETUP)
    sink = subprocess.Popen(
        [str(ROOT / ".venv/bin/python"), "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:2599",
         "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    all_runs = []
    try:
        with Server(env):
            for run in range(args.runs):
                print(
                    f"--- run {run + 1} of {args.runs} ({args.db}, {args.connections} connections)"
                )
                all_runs.append(
                    run_scenarios(env, names, args.seconds, args.connections, f"r{run}")
                )
    finally:
        sink.terminate()
    print(f"--- medians of {args.runs} run(s)")
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    with (out / "results.jsonl").open("a") as f:
        for name in names:
            rows = [r[name] for r in all_runs]
            median = {
                k: statistics.median(r[k] for r in rows)
                for k in ("rps", "p50_ms", "p95_ms", "p99_ms")
            }
            print(
                f"{name:<22} {median['rps']:>9.0f} req/s   p50 {median['p50_ms']:.2f}   "
                f"p95 {median['p95_ms']:.2f}   p99 {median['p99_ms']:.2f} ms"
            )
            f.write(
                json.dumps({"db": args.db, "scenario": name, "runs": rows, "median": median}) + "\n"
            )


if __name__ == "__main__":
    sys.exit(main())
