"""The directory of decision-makers and a target's public page."""

from django.core.files.uploadedfile import SimpleUploadedFile

from groundswell.petitions.actions import TargetInput
from groundswell.targets.models import Target
from groundswell.targets.zipcodes import state_for_zip
from tests.conftest import PASSWORD, open_petition
from tests.targets.test_waiting_and_overdue import text_of


def test_the_directory_lists_targets_of_public_campaigns_and_searches(client, petition, union,
                                                                       alice, mo):  # fmt: skip
    open_petition(union, alice, mo, title="Seats", targets=[TargetInput("Ada Senator", "Senator")])
    text = text_of(client.get("/targets/"))
    assert "Jordan Blake" in text and "Ada Senator" in text
    found = text_of(client.get("/targets/?q=immigration"))
    assert "Jordan Blake" in found and "Ada Senator" not in found


def test_a_targets_page_lists_each_campaign_and_how_they_answered(
    client, petition, delivered, union, alice, mo
):
    jordan = delivered.target
    open_petition(union, alice, mo, title="A second ask", targets=[TargetInput.existing(jordan)])
    text = text_of(client.get(f"/targets/{jordan.pk}/"))
    assert "Jordan Blake" in text
    assert "1 delivered · 0 answered · 1 waiting for an answer" in text
    assert "waiting 0 days for an answer" in text
    assert "A second ask" in text and "Not delivered yet." in text
    assert "director@agency.example.gov" in text
    assert (
        f'href="/targets/{jordan.pk}/"' in client.get(petition.get_absolute_url()).content.decode()
    )


def test_an_organiser_completes_a_targets_details_with_a_photo(client, alice, jordan, settings,
                                                                tmp_path):  # fmt: skip
    from io import BytesIO

    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    image = BytesIO()
    Image.new("RGB", (8, 8), "green").save(image, "PNG")
    client.login(username=alice.email, password=PASSWORD)
    url = f"/targets/{jordan.pk}/edit/"
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "name": "Jordan Blake", "role": jordan.role, "title": "Director",
        "office": "Immigration and Customs Enforcement", "country": "US", "state": "DC",
        "district": "", "email": "director@agency.example.gov",
        "website": "agency.example.gov", "photo": SimpleUploadedFile("j.png", image.getvalue()),
    })  # fmt: skip
    assert response.status_code == 302
    jordan.refresh_from_db()
    assert jordan.office == "Immigration and Customs Enforcement"
    assert jordan.jurisdiction == "DC, United States of America"
    assert jordan.website == "https://agency.example.gov"
    assert jordan.photo.name.startswith("targets/")
    text = text_of(client.get(f"/targets/{jordan.pk}/"))
    assert "Director, Immigration and Customs Enforcement" in text


def test_a_target_an_organiser_picks_again_is_the_same_directory_entry(union, alice, mo, petition):
    jordan = petition.targets.get()
    again = open_petition(union, alice, mo, title="Again", targets=[TargetInput.existing(jordan)])
    assert list(again.targets.all()) == [jordan]
    assert Target.objects.count() == 1


def test_the_state_is_read_from_the_first_three_digits_of_a_zip_code():
    assert state_for_zip("10001") == "NY"
    assert state_for_zip("94110-1234") == "CA"
    assert state_for_zip("20500") == "DC"
    assert state_for_zip("00501") == "NY"  # the IRS in Holtsville, within Puerto Rico's range
    assert state_for_zip("00901") == "PR"
    assert state_for_zip("73301") == "TX"  # within Oklahoma's range
    assert state_for_zip("99501") == "AK"
    assert state_for_zip("96701") == "HI"
    for unknown in ("1234", "ABCDE", "", "SW1A 1AA", "00000", "²²²²²"):
        assert state_for_zip(unknown) is None
