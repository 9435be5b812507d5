"""A supporter's ZIP finds their two senators and their House member."""

import pytest

from groundswell.targets import congress
from groundswell.targets.models import Target, ZipDistrict


def test_a_zip_in_one_district_shows_both_senators_the_member_and_the_letter_form(client, campaign):
    page = client.get(f"/write/{campaign.slug}/", {"zip": "98105"})
    assert page.status_code == 200
    text = page.content.decode()
    for name in ("Maria Cantwell", "Patty Murray", "Pramila Jayapal"):
        assert name in text
    assert "Adam Smith" not in text
    assert 'name="district" value="WA-7"' in text


def test_a_zip_across_a_district_line_asks_which_district_with_the_members_names(client, campaign):
    page = client.get(f"/write/{campaign.slug}/", {"zip": "98118"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "crosses a district line" in text
    assert "Pramila Jayapal" in text and "Adam Smith" in text
    assert 'name="district"' not in text  # no form until they choose
    chosen = client.get(f"/write/{campaign.slug}/", {"zip": "98118", "district": "WA-9"})
    assert 'name="district" value="WA-9"' in chosen.content.decode()


def test_a_district_that_does_not_hold_the_zip_is_not_offered_a_form(client, campaign):
    page = client.get(f"/write/{campaign.slug}/", {"zip": "98105", "district": "VT-0"})
    assert 'value="VT-0"' not in page.content.decode()
    assert 'name="district" value="WA-7"' in page.content.decode()


def test_an_unknown_zip_says_so_and_offers_the_choice_of_state(client, campaign):
    page = client.get(f"/write/{campaign.slug}/", {"zip": "99999"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "We do not know the ZIP code 99999" in text
    assert 'name="state"' in text
    by_state = client.get(f"/write/{campaign.slug}/", {"state": "VT"})
    assert 'name="district" value="VT-0"' in by_state.content.decode()  # one district: the form


@pytest.mark.parametrize("typed", ["9810", "ABCDE", "98105-12", "\uff19\uff18\uff11\uff10\uff15"])
def test_a_malformed_zip_gets_a_clear_message(client, campaign, typed):
    page = client.get(f"/write/{campaign.slug}/", {"zip": typed})
    assert page.status_code == 422
    assert "Enter a five-digit US ZIP code" in page.content.decode()


def test_a_zip_plus_four_is_read_as_its_five_digits(client, campaign):
    page = client.get(f"/write/{campaign.slug}/", {"zip": "98105-4307"})
    assert 'name="district" value="WA-7"' in page.content.decode()


def test_the_page_shows_which_edition_of_the_directory_is_loaded(client, campaign):
    assert "edition test edition 1" in client.get(f"/write/{campaign.slug}/").content.decode()


def test_a_member_with_no_contact_on_file_is_shown_as_such(client, campaign):
    page = client.get(f"/write/{campaign.slug}/", {"zip": "05401"})
    text = page.content.decode()
    assert "Becca Balint" in text and "no contact on file" in text


def test_reloading_the_same_files_changes_nothing(small_congress, congress_files):
    legislators, zips = congress_files
    again = congress.load(legislators=legislators, zips=zips, edition="test edition 1")
    assert (again.created, again.updated, again.retired) == (0, 0, 0)
    assert Target.objects.filter(bioguide_id__isnull=False).count() == 7
    assert ZipDistrict.objects.count() == 4


def test_a_newer_edition_updates_members_in_place_and_retires_those_who_left(
    campaign, congress_files, union
):
    from groundswell.targets.models import TargetContact

    legislators, zips = congress_files
    smith = Target.objects.get(bioguide_id="S000510")
    TargetContact.objects.create(target=smith, organisation=union, email="smith@union.example")
    text = legislators.read_text().replace("Patty Murray", "Patricia Murray")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("S000510"))
    legislators.write_text(text + "\n")
    loaded = congress.load(legislators=legislators, zips=zips, edition="test edition 2")
    assert (loaded.created, loaded.updated, loaded.retired) == (0, 1, 1)
    assert Target.objects.get(bioguide_id="M001111").name == "Patricia Murray"
    smith.refresh_from_db()
    assert smith.chamber == ""  # no lookup finds him any more
    assert TargetContact.objects.get(target=smith).email == "smith@union.example"  # kept


def test_a_file_with_a_bad_row_changes_nothing(small_congress, congress_files):
    legislators, zips = congress_files
    legislators.write_text(legislators.read_text() + "X1,Nobody,senate,ZZ,,,,,,,,,\n")
    with pytest.raises(congress.BadFile, match="line 9"):
        congress.load(legislators=legislators, zips=zips)
    assert Target.objects.filter(bioguide_id__isnull=False).count() == 7


def test_the_shipped_congress_data_loads_and_finds_a_zip(db):
    from django.core.management import call_command

    call_command("load_us_congress")
    assert Target.objects.filter(chamber="senate").count() == 100
    assert ZipDistrict.objects.count() > 40000
    from groundswell.letters.writing import lookup

    [district] = lookup.districts_for_zip("98105")
    assert (district.state, district.number) == ("WA", 7)
    assert len(lookup.officials_for("WA", 7)) == 3


def test_a_reloaded_zip_table_is_used_by_the_next_lookup(client, campaign, congress_files):
    from groundswell.letters.writing import lookup

    assert [d.key for d in lookup.districts_for_zip("98105")] == ["WA-7"]
    legislators, zips = congress_files
    zips.write_text(zips.read_text().replace("98105,7", "98105,9"))
    congress.load(legislators=legislators, zips=zips, edition="test edition 2")
    assert [d.key for d in lookup.districts_for_zip("98105")] == ["WA-9"]
