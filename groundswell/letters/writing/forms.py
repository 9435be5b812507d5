import re

from django import forms
from django.utils.translation import gettext_lazy as _

from groundswell.core.errors import ActionError
from groundswell.core.forms import Form, LineField
from groundswell.letters.writing import actions, lookup
from groundswell.letters.writing.models import WritingCampaign
from groundswell.targets.congress import districts_of_zip


class ZipForm(Form):
    zip = forms.CharField(label=_("Your ZIP code"), max_length=10)

    def clean_zip(self) -> str:
        zip_code = lookup.clean_zip(self.cleaned_data["zip"])
        if zip_code is None:
            raise forms.ValidationError(_("Enter a five-digit US ZIP code, such as 02139."))
        return zip_code


class StateForm(Form):
    state = forms.ChoiceField(
        label=_("Your state"),
        choices=sorted(lookup.CONGRESS_STATES.items(), key=lambda item: item[1]),
    )


class WritingForm(Form):
    """What a supporter gives to write; where they live comes as a ZIP and a district."""

    name = LineField(label=_("Your full name"), max_length=150)
    email = forms.EmailField(label=_("Your email"), help_text=_("We send a link to confirm it."))
    street = LineField(label=_("Street address"), max_length=200, required=False)
    city = LineField(label=_("City"), max_length=100, required=False)
    paragraph = forms.CharField(
        label=_("Your own paragraph (optional)"),
        help_text=_("Say in your own words why this matters to you."),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    zip = forms.CharField(max_length=10, required=False, widget=forms.HiddenInput)
    district = forms.CharField(max_length=6, widget=forms.HiddenInput)

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        if campaign.asks_for_address:
            self.fields["street"].required = True
            self.fields["city"].required = True

    def attempt(self, language: str = "") -> dict:
        """What the valid form says, as ``actions.Attempt``'s fields: the view and the fast
        path (fastpath.py) write the same letters from it."""
        data = self.cleaned_data
        state, district = data["district"]
        fields = ("name", "email", "street", "city", "paragraph")
        return {
            "campaign": self.campaign,
            **{name: data[name] for name in fields},
            "zip_code": data["zip"],
            "state": state,
            "district": district,
            "language": language,
        }

    def clean_zip(self) -> str:
        value = self.cleaned_data["zip"]
        if not value:
            return ""
        zip_code = lookup.clean_zip(value)
        if zip_code is None:
            raise forms.ValidationError(_("Enter a five-digit US ZIP code, such as 02139."))
        return zip_code

    def clean_district(self) -> tuple[str, int]:
        seat = lookup.parse_district_key(self.cleaned_data["district"])
        if seat is None:
            raise forms.ValidationError(_("Choose your district first."))
        return seat

    def clean(self):
        data = super().clean()
        seat, zip_code = data.get("district"), data.get("zip")
        if seat and zip_code:
            keys = set(districts_of_zip(zip_code))
            if keys and seat not in keys:
                raise forms.ValidationError(_("That district does not include your ZIP code."))
        return data


SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class CampaignForm(Form):
    """What an organiser writes: the campaign's page, the suggested letter and its state.

    Its address (slug) is asked for when the campaign is started and then kept: supporters'
    confirmation emails and hand-off links carry it.
    """

    title = LineField(label=_("Title"), max_length=150)
    slug = forms.CharField(
        label=_("Address of its page (optional)"),
        max_length=80,
        required=False,
        help_text=_(
            "/write/… followed by this: lowercase letters, digits and hyphens. Left empty, "
            "it is made from the title. It cannot change later."
        ),
    )
    summary = forms.CharField(
        label=_("In one or two sentences (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why supporters should write. Shown at the top of the page."),
    )
    subject = LineField(label=_("Subject of the letter"), max_length=150)
    letter = forms.CharField(
        label=_("The suggested letter"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Plain text. Each letter starts with “Dear” and the official's title and name, "
            "and ends with the supporter's own paragraph, name and address."
        ),
        error_messages={"required": _("Write the suggested letter.")},
    )
    asks_for_address = forms.BooleanField(
        label=_("Ask supporters for their street address and city"),
        required=False,
        initial=True,
        help_text=_("Many offices answer only their own constituents and ask for it."),
    )
    status = forms.ChoiceField(
        label=_("State"),
        choices=WritingCampaign.Status.choices,
        initial=WritingCampaign.Status.DRAFT,
        widget=forms.RadioSelect,
        help_text=_(
            "A draft is seen only by your organisation. An open campaign takes letters; a "
            "closed one shows its scoreboard and answers but takes no more letters."
        ),
    )

    EDITABLE = ("title", "summary", "subject", "letter", "asks_for_address", "status")

    def __init__(self, *args, campaign: WritingCampaign | None = None, **kwargs):
        if campaign is not None:
            kwargs.setdefault("initial", {f: getattr(campaign, f) for f in self.EDITABLE})
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        if campaign is not None:
            del self.fields["slug"]

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip().lower()
        if not slug:
            return ""
        if not SLUG.match(slug):
            raise forms.ValidationError(
                _("Use lowercase letters, digits and single hyphens only, such as tell-congress.")
            )
        try:
            actions.check_new_slug(slug)
        except ActionError as error:
            raise forms.ValidationError(error.message) from None
        return slug
