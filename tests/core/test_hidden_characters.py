"""Names and titles keep only what people can see, in one normal form (core/text.py)."""

import pytest

from groundswell.accounts.forms import InvitedSignUpForm, SignUpForm
from groundswell.core.forms import LineField
from groundswell.core.text import clean_line
from groundswell.petitions.forms import PetitionForm, TargetForm
from groundswell.petitions.models import Signature
from groundswell.support.forms import AdviserForm, JoinForm, ProgrammeForm
from groundswell.targets.forms import TargetForm as DirectoryEntryForm
from groundswell.updates.forms import UpdateForm

RLO, ZWSP, ZWNJ, ZWJ, BOM = "\u202e", "\u200b", "\u200c", "\u200d", "\ufeff"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (f"Sam {RLO}exe.doc", "Sam exe.doc"),
        (f"Al{ZWSP}ice", "Alice"),
        (f"{BOM}Alice{ZWJ}", "Alice"),
        (f"Pay{ZWNJ}Pal", "PayPal"),
        ("\u2066Bob\u2069 \u200eSmith\u200f \u061c", "Bob Smith"),
        ("Zoe\u0301", "Zo\u00e9"),  # NFC: one spelling of é
        ("Sam\u3164 \u2800 Lee\u034f", "Sam Lee"),  # fillers that render as nothing
        (f"  {ZWSP} Sam   Lee {ZWSP} ", "Sam Lee"),
        ("Ann\u2028Lee\tSmith", "Ann Lee Smith"),
        # Joiners that spell a word in Persian (ZWNJ) or join an emoji (ZWJ) stay.
        (f"\u0645\u062d\u0645\u062f{ZWNJ}\u0631\u0636\u0627",) * 2,
        (f"\U0001f469{ZWJ}\U0001f4bb Ann", f"\U0001f469{ZWJ}\U0001f4bb Ann"),
        ("Ana María O'Neil-Østergaard", "Ana María O'Neil-Østergaard"),
    ],
)  # fmt: skip
def test_hidden_characters_are_taken_out_of_names_and_titles(typed, kept):
    assert clean_line(typed) == kept


@pytest.mark.parametrize(
    ("form", "field"),
    [(SignUpForm, "name"), (SignUpForm, "organisation_name"), (InvitedSignUpForm, "name"),
     (PetitionForm, "title"), (TargetForm, "name"), (TargetForm, "role"),
     (DirectoryEntryForm, "name"), (DirectoryEntryForm, "role"), (DirectoryEntryForm, "title"),
     (DirectoryEntryForm, "office"), (UpdateForm, "title"), (ProgrammeForm, "name"),
     (AdviserForm, "display_name"), (JoinForm, "name")],
)  # fmt: skip
def test_every_name_and_title_field_cleans_what_is_typed(form, field):
    kwargs = {"existing_account": False} if form is JoinForm else {}
    typed_field = form(**kwargs).fields[field]
    assert isinstance(typed_field, LineField)
    assert typed_field.clean(f"{RLO}Fair{ZWSP} pay\u0301") == "Fair pa\u00fd"


def test_a_name_made_only_of_hidden_characters_is_no_name(client, petition):
    form = {"email": "sam@example.com", "postcode": "10001", "country": "US"}
    response = client.post(f"/p/{petition.slug}/sign/", {**form, "name": ZWSP + RLO + BOM})
    assert response.status_code == 422
    assert not Signature.objects.exists()


def test_a_signer_name_with_a_right_to_left_override_is_stored_and_shown_without_it(
    client, petition
):
    form = {"email": "sam@example.com", "postcode": "10001", "country": "US", "show_name": "on"}
    response = client.post(f"/p/{petition.slug}/sign/", {**form, "name": f"Sam {RLO}gnp.exe"})
    assert response.status_code == 302
    assert Signature.objects.get().name == "Sam gnp.exe"


def test_the_api_cleans_a_signer_name_the_same_way(client, petition):
    signer = {"name": f"Al{ZWSP}ice {RLO}Lee", "email": "al@example.com", "postcode": "1",
              "country": "US"}  # fmt: skip
    response = client.post(
        f"/api/v1/petitions/{petition.slug}/signatures", signer, content_type="application/json"
    )
    assert response.status_code == 202
    assert Signature.objects.get().name == "Alice Lee"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("Sam\tLee", "Sam Lee"), ("Sam\x07Lee", "SamLee"), ("Sam\x7fLee", "SamLee"),
     ("Sam\x00Lee", "Sam\x00Lee")],
)  # fmt: skip
def test_ascii_controls_are_not_taken_for_plain_ascii(typed, kept):
    """Printable ASCII is kept as it is, spaces aside; an ASCII control is not printable
    and goes through the whole check (a tab is a space, the NUL is the validator's)."""
    assert clean_line(typed) == kept
