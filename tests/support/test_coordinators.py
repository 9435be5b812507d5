"""Coordinators (members of the organisation running a programme) create it, invite and
vet advisers, and see counts and statuses, never a request; each look and change is in
the audit log, without content. Nothing of the help programme is in the admin, the API or
the CSV exports."""

from django.contrib import admin
from django.test import Client

from groundswell.support.models import AuditEntry, Programme
from tests.conftest import PASSWORD, verify_session
from tests.support.conftest import ask_for_help, seeker_accepts_first_adviser


def test_a_member_creates_a_programme_with_default_retention(client, alice, union):
    client.login(username=alice.email, password=PASSWORD)
    verify_session(client, alice)
    response = client.post(
        "/help/coordinate/",
        {
            "organisation": union.pk,
            "name": "Next Steps",
            "description": "Help to find another job.",
            "languages": ["en"],
            "unmatched_days": 30,
            "inactive_days": 90,
        },
    )
    programme = Programme.objects.get()
    assert response["Location"] == f"/help/coordinate/{programme.slug}/"
    assert (programme.unmatched_days, programme.inactive_days) == (30, 90)
    assert client.get(programme.get_absolute_url()).status_code == 200


def test_bad_programme_settings_are_a_422_not_a_500(client, alice, union):
    client.login(username=alice.email, password=PASSWORD)
    verify_session(client, alice)
    response = client.post("/help/coordinate/", {"organisation": union.pk, "unmatched_days": 0})
    assert response.status_code == 422 and not Programme.objects.exists()


def test_an_outsider_cannot_start_a_programme_for_someone_elses_organisation(
    client, charlie, union
):
    client.login(username=charlie.email, password=PASSWORD)
    verify_session(client, charlie)
    data = {"organisation": union.pk, "name": "X", "description": "X", "languages": ["en"]}
    assert (
        client.post(
            "/help/coordinate/", {**data, "unmatched_days": 30, "inactive_days": 90}
        ).status_code
        == 422
    )
    assert not Programme.objects.exists()


def test_the_overview_has_counts_and_statuses_and_is_audited(
    client, alice, bob, programme, vera, vera_client
):
    seeker = Client()
    ask_for_help(seeker, programme, situation="canary-overview", employer="canary-employer")
    from groundswell.support.models import Match

    seeker_accepts_first_adviser(seeker, vera_client, Match.objects.get())
    ask_for_help(Client(), programme, situation="second")
    client.login(username=bob.email, password=PASSWORD)
    verify_session(client, bob)
    page = client.get(f"/help/coordinate/{programme.slug}/").content.decode()
    assert "canary" not in page
    counts = client.get(f"/help/coordinate/{programme.slug}/").context["request_counts"]
    assert counts == [("Waiting for an adviser", 1), ("Matched with an adviser", 1), ("Closed", 0)]
    entries = AuditEntry.objects.filter(programme=programme, actor=bob)
    assert list(entries.values_list("action", flat=True)) == ["overview.viewed"] * 2
    details = " ".join(AuditEntry.objects.values_list("detail", flat=True))
    assert "canary" not in details


def test_changes_to_a_programme_and_an_adviser_are_audited(client, alice, programme, vera):
    client.login(username=alice.email, password=PASSWORD)
    verify_session(client, alice)
    url = f"/help/coordinate/{programme.slug}/edit/"
    data = {**client.get(url).context["form"].initial, "inactive_days": 60}
    assert client.post(url, data).status_code == 302
    adviser_url = f"/help/coordinate/{programme.slug}/advisers/{vera.pk}/"
    data = {**client.get(adviser_url).context["form"].initial, "capacity": 5}
    assert client.post(adviser_url, data).status_code == 302
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", "detail"))
    assert ("programme.changed", "inactive_days") in actions
    assert ("adviser.viewed", "vera@example.org") in actions
    assert ("adviser.changed", "vera@example.org: capacity") in actions


def test_nothing_of_the_help_programme_is_in_the_admin():
    assert not [m for m in admin.site._registry if m._meta.app_label == "support"]


def test_nothing_of_the_help_programme_is_in_the_api(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    names = " ".join([*schema["paths"], *schema.get("components", {}).get("schemas", {})]).lower()
    assert schema["paths"]
    for word in ("help", "support", "adviser", "receipt", "seeker", "programme"):
        assert word not in names, word


def _coordinator_pages(programme, vera):
    base = f"/help/coordinate/{programme.slug}/"
    return ["/help/coordinate/", base, base + "edit/", f"{base}advisers/{vera.pk}/"]


def test_every_coordinator_page_needs_a_second_factor(client, alice, programme, vera):
    client.login(username=alice.email, password=PASSWORD)
    for url in _coordinator_pages(programme, vera):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/two-factor/?next="), url
    verify_session(client, alice)
    for url in _coordinator_pages(programme, vera):
        assert client.get(url).status_code == 200, url


def test_a_stolen_password_alone_cannot_enrol_a_sock_puppet_adviser(client, alice, programme):
    client.login(username=alice.email, password=PASSWORD)
    response = client.post(
        f"/help/coordinate/{programme.slug}/invite/",
        {"email": "puppet@example.org", "display_name": "Puppet", "qualifications": "None",
         "skills": ["interviews"], "languages": ["en"], "time_zone": "Europe/London",
         "capacity": 2, "vetting_note": "x"},
    )  # fmt: skip
    assert response["Location"].startswith("/accounts/two-factor/")
    assert not programme.advisers.filter(email="puppet@example.org").exists()
    response = client.post("/help/coordinate/", {"organisation": alice.organisations.get().pk})
    assert response["Location"].startswith("/accounts/two-factor/")
