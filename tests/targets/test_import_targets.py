"""Other directories (state legislators, councils, agency heads) come in from a CSV file."""

import pytest
from django.core.management import CommandError, call_command

from groundswell.targets.models import Target

HEADER = "key,name,role,office,state,email,contact_form_url,phone\n"


def test_a_csv_file_adds_entries_and_a_rerun_updates_those_with_a_key(db, tmp_path):
    file = tmp_path / "council.csv"
    file.write_text(
        HEADER + "sea-council:1,Rob Saka,Councilmember,Seattle City Council,Washington,"
        "rob.saka@seattle.example.gov,,206-684-8801\n"
        + ",Jordan Blake,Director,Immigration and Customs Enforcement,,,"
        "https://www.ice.example.gov/contact,\n"
    )
    call_command("import_targets", str(file))
    saka = Target.objects.get(source_key="sea-council:1")
    assert saka.contact_method() == "email"
    assert Target.objects.get(name="Jordan Blake").contact_method() == "web_form"
    file.write_text(HEADER + "sea-council:1,Rob Saka,Council President,,,,,\n")
    call_command("import_targets", str(file))
    saka.refresh_from_db()
    assert saka.role == "Council President"
    assert Target.objects.count() == 2


def test_a_bad_row_names_its_line_and_nothing_is_imported(db, tmp_path):
    file = tmp_path / "bad.csv"
    file.write_text(HEADER + "a,Ann,Mayor,,,ann@example.org,,\nb,Bo,Mayor,,,not-an-email,,\n")
    with pytest.raises(CommandError, match="line 3"):
        call_command("import_targets", str(file))
    assert Target.objects.count() == 0


def test_unknown_columns_are_refused(db, tmp_path):
    file = tmp_path / "odd.csv"
    file.write_text("name,role,salary\nAnn,Mayor,100\n")
    with pytest.raises(CommandError, match="columns"):
        call_command("import_targets", str(file))
