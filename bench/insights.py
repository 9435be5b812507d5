"""The organiser dashboard at a million signatures, on PostgreSQL (docs/benchmarks.md).

    .venv/bin/python bench/insights.py                       # 1,000,000 signatures
    .venv/bin/python bench/insights.py --signatures 200000 --loads 9

Creates (or empties) the database gs_insights_bench, makes one organisation and one open
petition, and writes the signatures in SQL on the server (INSERT ... SELECT from
generate_series): 30 days of confirmations growing toward today, ZIP codes all over the
US, one in twenty abroad, every share channel, a fifth recruited by a thousand referrers,
and 20,000 still pending. Then it times the worker's first tally of all of them (the
worst case: a run normally sees one minute's confirmations), one ordinary run after 10,000
more, and the dashboard and public insights page: server time as Django's test client
measures it in process (middleware, view, queries, template; no network), median of
``--loads`` loads after one warm-up.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = "gs_insights_bench"
URL = f"postgres://postgres@127.0.0.1:5432/{DB}"
REFERRERS = 1000

COLUMNS = (
    "petition_id, name, email, email_normalised, postcode, country, comment, show_name, "
    "wants_updates, status, created_at, confirmed_at, ref_code, referred_by_id, "
    "emails_owed, emails_sent, source"
)
# Row g of n: confirmed at a time that grows denser toward today (the square root).
ROWS = """
SELECT %(petition)s, 'Bench Signer', %(prefix)s || g || '@example.com',
       %(prefix)s || g || '@example.com',
       lpad(((g::bigint * 7919) %% 99000 + 1000)::text, 5, '0'),
       CASE WHEN g %% 20 = 0 THEN 'CA' ELSE 'US' END, '', g %% 2 = 0, g %% 3 = 0,
       %(status)s, t, CASE WHEN %(status)s = 'confirmed' THEN t END, %(prefix)s || g,
       CASE WHEN g %% 5 = 0 AND %(first)s IS NOT NULL THEN %(first)s + g %% 1000 END, 1, 1,
       (ARRAY['', 'whatsapp', 'facebook', 'email', 'x', 'embed', 'link', 'qr'])[1 + g %% 8]
FROM generate_series(%(start)s, %(stop)s) AS g,
     LATERAL (SELECT %(now)s::timestamptz - interval '3 minutes'
                     - interval '30 days' * (1 - sqrt(g::float / %(stop)s))) AS moment(t)
"""


def setup_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {DB}")
        c.execute(f"CREATE DATABASE {DB}")


def insert(cursor, petition_id: int, start: int, stop: int, status: str, prefix: str, first):
    from django.utils import timezone

    params = {
        "petition": petition_id, "status": status, "prefix": prefix, "first": first,
        "start": start, "stop": stop, "now": timezone.now(),
    }  # fmt: skip
    cursor.execute(f"INSERT INTO petitions_signature ({COLUMNS}) {ROWS}", params)


def timed(label: str, work):
    began = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - began
    print(f"{label}: {seconds * 1000:,.0f} ms")
    return result, seconds


def page_times(client, path: str, loads: int) -> list[float]:
    from django.core.cache import caches

    times = []
    for i in range(loads + 1):
        caches["local"].clear()  # the count and supporters read afresh, as after 1 s
        began = time.perf_counter()
        response = client.get(path, secure=True)
        elapsed = time.perf_counter() - began
        assert response.status_code == 200, response.status_code
        if i:  # the first load warms the process (templates, imports)
            times.append(elapsed * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--signatures", type=int, default=1_000_000)
    parser.add_argument("--loads", type=int, default=15)
    args = parser.parse_args()

    os.environ.update(DATABASE_URL=URL, DJANGO_SETTINGS_MODULE="groundswell.settings")
    os.environ.setdefault("VAR_DIR", "/tmp/var-insights-bench")
    sys.path.insert(0, str(ROOT))
    setup_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from groundswell.accounts.actions import create_organisation
    from groundswell.accounts.models import User
    from groundswell.petitions import actions, counting, insights
    from groundswell.petitions.actions import TargetInput

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)  # as production serves
    alice = User.objects.create_user("alice@example.org", "bench-password", name="Alice")
    moderator = User.objects.create_user("mo@example.org", "bench-password", name="Mo")
    moderator.is_staff = True
    moderator.save(update_fields=["is_staff"])
    organisation = create_organisation(name="Bench Union", owner=alice)
    petition = actions.create_petition(
        organisation=organisation, created_by=alice, title="Bench petition",
        demand="Count us.", reasons="", targets=[TargetInput("Pat Morgan", "Head")],
    )  # fmt: skip
    actions.submit_for_review(petition=petition)
    actions.approve_petition(petition=petition, reviewer=moderator)
    actions.set_insights_public(petition=petition, public=True)
    n = args.signatures

    def write():
        with connection.cursor() as cursor:
            insert(cursor, petition.pk, 1, REFERRERS, "confirmed", "r", None)
            cursor.execute("SELECT min(id) FROM petitions_signature")
            first = cursor.fetchone()[0]
            insert(cursor, petition.pk, REFERRERS + 1, n, "confirmed", "r", first)
            insert(cursor, petition.pk, 1, 20_000, "pending", "p", None)
            cursor.execute("ANALYZE petitions_signature")
        counting.add_confirmed(petition.pk, n)

    timed(f"write {n:,} confirmed and 20,000 pending signatures", write)
    timed("first tally of every signature", insights.tally_confirmed)

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(alice)
    results = {}
    for name, path in (
        ("dashboard", f"/p/{petition.slug}/dashboard/"),
        ("public insights page", f"/p/{petition.slug}/insights/"),
    ):
        times = page_times(client, path, args.loads)
        results[name] = times
        print(
            f"{name}: median {statistics.median(times):.1f} ms, "
            f"min {min(times):.1f}, max {max(times):.1f} ({args.loads} loads)"
        )

    def more():
        with connection.cursor() as cursor:
            insert(cursor, petition.pk, n + 1, n + 10_000, "confirmed", "m", None)
            cursor.execute(
                "UPDATE petitions_signature SET confirmed_at = now() WHERE ref_code LIKE 'm%%'"
            )

    more()
    from datetime import timedelta

    from django.utils import timezone

    later = timezone.now() + timedelta(minutes=40)  # past the lag for the new rows too
    timed("a tally run after 10,000 more", lambda: insights.tally_confirmed(now=later))


if __name__ == "__main__":
    main()
