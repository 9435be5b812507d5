"""What the organiser sees and downloads."""

import csv
import io

import time_machine
from django.utils import timezone

from groundswell.petitions import insights
from groundswell.petitions.models import Petition
from tests.conftest import PASSWORD, sign, sign_and_confirm, verify_session


def _targets(*rows):
    """Target rows of the petition form: (name, role) for someone new, or an entry's id."""
    data = {"targets-TOTAL_FORMS": "3", "targets-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        if isinstance(row, int):
            data[f"targets-{i}-entry"] = str(row)
        else:
            data[f"targets-{i}-name"], data[f"targets-{i}-role"] = row
    return data


def test_an_organiser_starts_a_petition_to_two_targets_and_edits_the_draft(client, alice):
    client.login(username=alice.email, password=PASSWORD)
    assert client.get("/p/new/").status_code == 200
    client.post(
        "/p/new/",
        {"title": "Seat at the table", "demand": "Meet us.", "reasons": "<script>x</script>**Now**",
         **_targets(("Pat Morgan", "Head of Government"), ("Chris Lee", "Senator"))},
    )  # fmt: skip
    petition = Petition.objects.with_targets().get()
    pat, _chris = petition.targets.all()
    assert [t.name for t in petition.targets.all()] == ["Pat Morgan", "Chris Lee"]
    assert (
        "<script>" not in petition.reasons_html and "<strong>Now</strong>" in petition.reasons_html
    )
    # The edit form shows the draft's entries picked, and saving keeps them.
    assert (
        f'<option value="{pat.pk}" selected>'
        in client.get(f"/p/{petition.slug}/edit/").content.decode()
    )

    client.post(
        f"/p/{petition.slug}/edit/",
        {"title": "A seat at the table", "demand": "Meet us.", **_targets(pat.pk)},
    )
    petition.refresh_from_db()
    assert petition.title == "A seat at the table"
    assert list(petition.targets.all()) == [pat]


def test_a_petition_needs_a_target_and_a_title(client, alice):
    client.login(username=alice.email, password=PASSWORD)
    response = client.post("/p/new/", {"title": "", "demand": "x", **_targets()})
    assert response.status_code == 422
    body = response.content.decode()
    assert "Name at least one person" in body and "This field is required" in body
    half = client.post("/p/new/", {"title": "T", "demand": "x", **_targets(("Pat", ""))})
    assert "Give both the person" in half.content.decode()
    assert not Petition.objects.exists()


def test_the_dashboard_shows_counts_days_and_referrers(client, alice, petition):
    with time_machine.travel(timezone.now() - timezone.timedelta(days=2)):
        recruiter = sign_and_confirm(petition, "recruiter@example.com", name="Rita Recruiter")
    for n in range(3):
        sign_and_confirm(petition, f"friend{n}@example.com", referral_code=recruiter.ref_code)
    sign(petition, "pending@example.com")

    insights.tally_confirmed(now=timezone.now() + insights.TALLY_LAG)
    client.login(username=alice.email, password=PASSWORD)
    response = client.get(f"/p/{petition.slug}/dashboard/")
    body = response.content.decode()
    assert response.context["pending_count"] == 1
    found = response.context["insights"]
    assert sum(b.n for b in found.hours + found.days) == 4
    assert found.top_referrers == [("Rita Recruiter", 3)]
    assert "<svg" in body and "<iframe src=" in body.replace("&lt;", "<")


def test_the_csv_export_holds_confirmed_signers_and_defuses_formulas(client, alice, petition):
    sign_and_confirm(petition, "ann@example.com", name='=HYPERLINK("http://evil")', comment="+1")
    sign(petition, "pending@example.com")
    client.login(username=alice.email, password=PASSWORD)
    verify_session(client, alice)
    response = client.get(f"/p/{petition.slug}/signatures.csv")
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["email"] for r in rows] == ["ann@example.com"]
    assert rows[0]["name"].startswith("'=")
    assert rows[0]["comment"] == "'+1"


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 32), "green").save(out, "PNG")
    return out.getvalue()


def test_a_petition_can_carry_an_image_shown_on_its_page_and_cards(
    client, alice, mo, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from groundswell.petitions import actions

    settings.MEDIA_ROOT = tmp_path
    client.login(username=alice.email, password=PASSWORD)
    image = SimpleUploadedFile("rally.png", _png(), content_type="image/png")
    client.post(
        "/p/new/",
        {"title": "Pictured", "demand": "Meet us.", "image": image, **_targets(("Pat", "Head"))},
    )
    petition = Petition.objects.get()
    assert petition.image.name.endswith(".png")
    actions.submit_for_review(petition=petition)
    actions.approve_petition(petition=petition, reviewer=mo)
    body = client.get(f"/p/{petition.slug}/").content.decode()
    assert f'<img class="hero" src="{petition.image.url}"' in body
    assert f'<meta property="og:image" content="http://127.0.0.1:8000{petition.image.url}">' in body


def test_a_file_that_is_not_an_image_is_refused(client, alice):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.login(username=alice.email, password=PASSWORD)
    fake = SimpleUploadedFile("rally.png", b"<?php echo 1; ?>", content_type="image/png")
    response = client.post(
        "/p/new/", {"title": "T", "demand": "D", "image": fake, **_targets(("Pat", "Head"))}
    )
    assert response.status_code == 422
    assert "Upload a valid image" in response.content.decode()
    assert not Petition.objects.exists()


def test_the_petition_form_offers_decision_makers_from_the_directory_by_entry(
    client, alice, petition
):
    jordan = petition.targets.get()
    client.login(username=alice.email, password=PASSWORD)
    body = client.get("/p/new/").content.decode()
    assert (
        f'<option value="{jordan.pk}">Jordan Blake, Director, Immigration and Customs '
        "Enforcement</option>" in body
    )
    client.post("/p/new/", {"title": "Again", "demand": "D", **_targets(jordan.pk)})
    again = Petition.objects.with_targets().get(title="Again")
    assert again.targets.get() == jordan  # the same directory entry, picked by id


def test_a_petition_titled_like_one_of_our_pages_still_gets_a_page_of_its_own(client, alice, mo):
    from tests.conftest import open_petition

    titles = ["New", "Review", "Confirm", "New"]
    petitions = [open_petition(alice.organisations.get(), alice, mo, title=t) for t in titles]
    assert [p.slug for p in petitions] == [
        "new-petition", "review-petition", "confirm-petition", "new-petition-2",
    ]  # fmt: skip
    for petition in petitions:
        response = client.get(petition.get_absolute_url())
        assert response.status_code == 200 and petition.title in response.content.decode()
