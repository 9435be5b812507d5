"""Insights: the chart, the projection, where signers are and where they came from."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groundswell.petitions import actions, insights
from groundswell.petitions.actions import ConfirmedSignatureInput
from groundswell.petitions.models import HourlyTally, Petition, Signature
from tests.conftest import open_petition, sign, sign_and_confirm

# A Monday, noon (the site's time zone is UTC in tests).
T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def young(union, alice, mo):
    """An open petition published at T0."""
    with time_machine.travel(T0, tick=False):
        return open_petition(union, alice, mo, title="Fund the night buses")


def _sign_at(petition, moment, email, **fields):
    with time_machine.travel(moment, tick=False):
        return sign_and_confirm(petition, email, **fields)


def _dashboard(client, alice, petition, at):
    insights.tally_confirmed(now=at)
    client.force_login(alice)
    with time_machine.travel(at, tick=False):
        return client.get(f"/p/{petition.slug}/dashboard/")


def _titles(svg: str) -> list[str]:
    return re.findall(r"<title>([^<]*)</title>", svg)


def test_the_chart_has_one_bar_per_hour_for_two_days_then_one_per_day(client, alice, young):
    for i in range(2):
        _sign_at(young, T0 + timedelta(hours=1, minutes=10 * i), f"early{i}@example.com")
    _sign_at(young, T0 + timedelta(hours=30), "second-day@example.com")
    for i in range(4):
        _sign_at(young, T0 + timedelta(days=3, hours=i), f"later{i}@example.com")
    response = _dashboard(client, alice, young, T0 + timedelta(days=5))

    hours, days = response.context["insights"].hours, response.context["insights"].days
    assert len(hours) == 48 and hours[0].start == T0
    assert [(b.start, b.n) for b in hours if b.n] == [
        (T0 + timedelta(hours=1), 2),
        (T0 + timedelta(hours=30), 1),
    ]
    # Days from the one the 48 hours end in (Wed 4 Nov) to today (Sat 7 Nov), zeros too.
    assert [(str(b.start), b.n) for b in days] == [
        ("2026-11-04", 0), ("2026-11-05", 4), ("2026-11-06", 0), ("2026-11-07", 0)
    ]  # fmt: skip
    hour_chart, day_chart = response.context["hour_chart"], response.context["day_chart"]
    assert len(hour_chart["bars"]) == 48 and len(day_chart["bars"]) == 4
    body = response.content.decode()
    # Axes with labels: values up the side, dates along the bottom.
    assert [t["label"] for t in hour_chart["y_ticks"]] == ["0", "1", "2"]
    assert [t["label"] for t in day_chart["y_ticks"]] == ["0", "1", "2", "3", "4"]
    assert [t["label"] for t in day_chart["x_ticks"]] == ["4 Nov", "5 Nov", "6 Nov", "7 Nov"]
    assert hour_chart["x_ticks"][0]["label"] == "Mon 12:00"
    # Over the whole life by day (the public petition page): 2 Nov to 7 Nov.
    by_day = [(str(b.start), b.n) for b in response.context["insights"].by_day()]
    assert by_day == [
        ("2026-11-02", 2), ("2026-11-03", 1), ("2026-11-04", 0), ("2026-11-05", 4),
        ("2026-11-06", 0), ("2026-11-07", 0),
    ]  # fmt: skip
    assert 'class="axis"' in body and ">Mon 12:00</text>" in body and ">5 Nov</text>" in body
    # Each bar carries its value, focusable, for hover and keyboard.
    assert "Mon 2 Nov, 13:00\u201314:00: 2 signatures" in _titles(body)
    assert "Thu 5 Nov 2026: 4 signatures" in _titles(body)
    assert body.count('class="point" tabindex="0"') == 48 + 4
    # The table says the same, one row per bucket.
    rows = re.findall(
        r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>", body.split("timeline")[1].split("</table>")[0]
    )
    assert len(rows) == 52
    assert ("Mon 2 Nov, 13:00", "2") in rows and ("Thu 5 Nov 2026", "4") in rows
    assert sum(int(n) for _, n in rows) == 7


def test_a_petition_younger_than_two_days_has_hourly_bars_only(client, alice, young):
    _sign_at(young, T0 + timedelta(minutes=5), "first@example.com")
    response = _dashboard(client, alice, young, T0 + timedelta(hours=5, minutes=30))
    assert [b.n for b in response.context["insights"].hours] == [1, 0, 0, 0, 0, 0]
    assert response.context["day_chart"] is None


def test_tallies_count_each_confirmation_once_and_wait_for_late_commits(alice, young):
    _sign_at(young, T0 + timedelta(minutes=5), "first@example.com")
    _sign_at(young, T0 + timedelta(minutes=59), "second@example.com")
    # One minute after the second: inside the lag, so it waits for the next run.
    insights.tally_confirmed(now=T0 + timedelta(minutes=60))
    assert HourlyTally.objects.get(petition=young).count == 1
    insights.tally_confirmed(now=T0 + timedelta(minutes=70))
    insights.tally_confirmed(now=T0 + timedelta(minutes=80))
    assert HourlyTally.objects.get(petition=young).count == 2


def test_the_map_shades_states_by_signatures_per_million_and_lists_countries(client, alice, young):
    for i in range(3):
        _sign_at(young, T0 + timedelta(hours=1), f"ny{i}@example.com", postcode="10001")
    _sign_at(young, T0 + timedelta(hours=1), "wy@example.com", postcode="82001")
    _sign_at(young, T0 + timedelta(hours=1), "ca@example.com", postcode="K1A 0B1", country="CA")
    _sign_at(young, T0 + timedelta(hours=1), "typo@example.com", postcode="1")
    response = _dashboard(client, alice, young, T0 + timedelta(hours=3))

    states = {p.code: (p.n, round(p.per_million, 3)) for p in response.context["insights"].states}
    # New York: 3 of 20,201,249 residents; Wyoming: 1 of 576,851 (2020 Census).
    assert states == {"NY": (3, 0.149), "WY": (1, 1.734)}
    shapes = {s["code"]: s for s in response.context["state_map"]["states"]}
    assert len(shapes) == 52  # the states, DC and Puerto Rico, each an outline
    assert shapes["WY"]["shade"] == 5 and shapes["NY"]["shade"] == 1
    assert shapes["TX"]["shade"] == 0
    assert shapes["NY"]["title"] == "New York: 3 signatures, 0.1 per million residents"
    assert shapes["WY"]["title"] == "Wyoming: 1 signature, 1.7 per million residents"
    body = response.content.decode()
    wyoming = re.search(r'<path class="state shade-(\d)" d="M[^"]+"[^>]*data-state="WY">', body)
    assert wyoming and wyoming.group(1) == "5"
    assert "<title>New York: 3 signatures, 0.1 per million residents</title>" in body
    legend = [item["label"] for item in response.context["state_map"]["legend"]]
    assert legend[0] == "0.0\u20130.3" and legend[-1].endswith("1.7")
    countries = [(c.name, c.n) for c in response.context["insights"].countries]
    assert countries == [("United States of America", 5), ("Canada", 1)]
    assert "<td>Canada</td><td>1</td>" in body


def _signed_long_ago(petition, n):
    rows = [
        ConfirmedSignatureInput(
            name="Old Supporter",
            email=f"old{i}@example.com",
            postcode="10001",
            country="US",
            confirmed_at=T0 - timedelta(days=30),
        )
        for i in range(n)
    ]
    actions.import_confirmed_signatures(petition=petition, rows=rows)


def _recent(petition, n, end):
    for i in range(n):
        _sign_at(petition, end - timedelta(hours=20) + timedelta(minutes=30 * i), f"r{i}@x.org")


def test_the_projection_says_when_the_next_goal_comes_at_the_last_days_pace(client, alice, young):
    now = T0 + timedelta(days=7)  # Monday 9 Nov, noon
    _recent(young, 30, now)
    response = _dashboard(client, alice, young, now)
    projection = response.context["insights"].projection
    # 30 a day (in the 24-25 hours tallied), 70 to go to 100: a little over two days.
    assert projection.goal == 100 and projection.recent == 30
    assert "At this rate, 100 by Wednesday." in response.content.decode()


@pytest.mark.parametrize("case", ["too few lately", "too far off", "closed"])
def test_the_projection_is_hidden_when_it_would_mean_nothing(client, alice, union, mo, case):
    with time_machine.travel(T0 - timedelta(days=40), tick=False):
        petition = open_petition(union, alice, mo)
    now = T0 + timedelta(days=7)
    _recent(petition, 5 if case == "too few lately" else 12, now)
    if case == "too far off":
        _signed_long_ago(petition, 1000)  # 12 a day toward 5,000: a year away
    if case == "closed":
        with time_machine.travel(now - timedelta(minutes=30), tick=False):
            actions.close_petition(petition=petition)
    response = _dashboard(client, alice, petition, now)
    assert response.context["insights"].projection is None
    assert "At this rate" not in response.content.decode()
    assert response.context["insights"].hours  # the chart is still there


def test_sources_count_share_channels_the_embed_and_referral_links(client, alice, young):
    recruiter = _sign_at(young, T0 + timedelta(minutes=5), "recruiter@example.com", name="Rita")
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        # The form, with the channel the share link named.
        page = client.get(f"/p/{young.slug}/?ref={recruiter.ref_code}&src=whatsapp")
        assert 'name="src" value="whatsapp"' in page.content.decode()
        form = {"name": "Wanda", "email": "wanda@example.com", "postcode": "10001",
                "country": "US", "ref": recruiter.ref_code, "src": "whatsapp"}  # fmt: skip
        assert client.post(f"/p/{young.slug}/sign/", form).status_code == 302
        # The API, from the embedded widget; and a channel nobody offers is no channel.
        for email, src in (("emma@example.com", "embed"), ("odd@example.com", "bogus")):
            api = client.post(
                f"/api/v1/petitions/{young.slug}/signatures",
                {"name": "E", "email": email, "postcode": "10001", "country": "US", "src": src},
                content_type="application/json",
            )
            assert api.status_code == 202
        unconfirmed = sign(young, "never@example.com", source="x")
        for signature in Signature.objects.exclude(pk__in=[recruiter.pk, unconfirmed.pk]):
            actions.confirm_signature(token=signature.confirmation_token())
    assert dict(Signature.objects.values_list("email", "source")) == {
        "recruiter@example.com": "", "wanda@example.com": "whatsapp",
        "emma@example.com": "embed", "odd@example.com": "", "never@example.com": "x",
    }  # fmt: skip

    response = _dashboard(client, alice, young, T0 + timedelta(hours=3))
    assert sorted(response.context["sources"]) == [
        ("Embedded widget", 1),
        ("No channel named in the link", 2),
        ("WhatsApp", 1),
    ]  # confirmed signers only: the pending X signer is not there
    assert response.context["insights"].referred == 1
    assert response.context["insights"].top_referrers == [("Rita", 1)]
    assert '<strong class="referred">1</strong>' in response.content.decode()


def test_share_links_name_their_channel(client, young):
    body = client.get(f"/p/{young.slug}/thanks/").content.decode()
    for channel in ("email", "x", "facebook", "whatsapp"):
        assert f"src%3D{channel}" in body or f"src={channel}" in body
    assert f'value="http://testserver/p/{young.slug}/?src=link"' in body or "?src=link" in body
    embed = client.get(f"/p/{young.slug}/embed/").content.decode()
    assert "?src=embed" in embed


def test_insights_are_public_only_once_the_organiser_allows(client, alice, charlie, young):
    _sign_at(young, T0 + timedelta(minutes=5), "first@example.com", source="x")
    insights.tally_confirmed(now=T0 + timedelta(hours=1))
    page = f"/p/{young.slug}/insights/"
    assert client.get(page).status_code == 404
    detail = client.get(f"/p/{young.slug}/").content.decode()
    assert "/insights/" not in detail and "How it is growing" not in detail
    assert 'class="point"' not in detail
    client.force_login(charlie)
    assert client.get(page).status_code == 404
    assert client.post(f"{page}visibility/", {"public": "1"}).status_code == 403
    assert client.get(f"/p/{young.slug}/dashboard/").status_code == 403
    young.refresh_from_db()
    assert not young.insights_public

    client.force_login(alice)
    client.post(f"{page}visibility/", {"public": "1"})
    client.logout()
    response = client.get(page)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Signatures over time" in body and "Where signers are" in body
    assert "Where signers came from" not in body and response.context["sources"] == []
    assert response.context["insights"].top_referrers == []
    detail = client.get(f"/p/{young.slug}/").content.decode()
    assert f'href="{page}"' in detail and "How it is growing" in detail
    # By day from the first day (today is weeks after T0 here).
    assert "Mon 2 Nov 2026: 1 signature" in _titles(detail)
    assert "Where signers came from" not in detail

    client.force_login(alice)
    client.post(f"{page}visibility/", {"public": "0"})
    client.logout()
    assert client.get(page).status_code == 404
    assert "How it is growing" not in client.get(f"/p/{young.slug}/").content.decode()


def test_a_draft_shows_no_insights_to_the_public_even_if_allowed(client, draft):
    actions.set_insights_public(petition=draft, public=True)
    assert client.get(f"/p/{draft.slug}/insights/").status_code == 404


def test_the_dashboard_asks_the_same_few_queries_however_many_signed(client, alice, young):
    first = _sign_at(young, T0 + timedelta(minutes=5), "first@example.com")
    _sign_at(young, T0 + timedelta(minutes=6), "friend@example.com", referral_code=first.ref_code)
    insights.tally_confirmed(now=T0 + timedelta(hours=1))
    client.force_login(alice)

    def queries():
        caches["local"].clear()  # the count, read afresh each time
        at = time_machine.travel(T0 + timedelta(days=3), tick=False)
        with at, CaptureQueriesContext(connection) as captured:
            assert client.get(f"/p/{young.slug}/dashboard/").status_code == 200
        return len(captured)

    queries()  # the first load of a session records it
    few = queries()
    for i in range(30):
        _sign_at(
            young,
            T0 + timedelta(hours=i * 2),
            f"more{i}@example.com",
            postcode=f"{100 + i * 25:03d}01",
            country="US" if i % 3 else "FR",
            referral_code=first.ref_code if i % 2 else "",
            source="facebook" if i % 2 else "",
        )
    insights.tally_confirmed(now=T0 + timedelta(days=3))
    assert len(HourlyTally.objects.filter(petition=young)) > 20
    assert few == queries()
    # 11 of them the insights'; the rest session, second factor, deliveries, updates,
    # review decisions and the retention notice
    assert few <= 29


def test_an_import_with_past_dates_is_tallied_in_full(alice, young):
    _sign_at(young, T0 + timedelta(minutes=5), "first@example.com")
    insights.tally_confirmed(now=T0 + timedelta(hours=1))
    _signed_long_ago(young, 3)
    assert sum(HourlyTally.objects.filter(petition=young).values_list("count", flat=True)) == 4
    insights.tally_confirmed(now=T0 + timedelta(hours=2))
    assert sum(HourlyTally.objects.filter(petition=young).values_list("count", flat=True)) == 4
    assert Petition.objects.get(pk=young.pk).signature_count == 4


def test_a_closed_petition_is_tallied_until_it_has_caught_up_then_left_alone(alice, young):
    _sign_at(young, T0 + timedelta(minutes=5), "first@example.com")
    with time_machine.travel(T0 + timedelta(minutes=6), tick=False):
        actions.close_petition(petition=young)
    assert young in insights.petitions_to_tally()
    insights.tally_confirmed(now=T0 + timedelta(minutes=7))  # not past the lag yet
    assert young in insights.petitions_to_tally()
    insights.tally_confirmed(now=T0 + timedelta(minutes=30))
    assert young not in insights.petitions_to_tally()
    assert HourlyTally.objects.get(petition=young).count == 1
