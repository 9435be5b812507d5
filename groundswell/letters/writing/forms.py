from django import forms
from django.utils.translation import gettext_lazy as _

from groundswell.core.forms import Form, LineField
from groundswell.letters.writing import lookup
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
