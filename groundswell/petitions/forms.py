from django import forms
from django.conf import settings
from django.utils import timezone
from django_countries import countries

from groundswell.core.email_address import is_disposable
from groundswell.core.forms import CountryChoiceField, Form
from groundswell.petitions.actions import TargetInput

DISPOSABLE_MESSAGE = (
    "Please use an address you keep: throwaway mailboxes cannot sign here, "
    "because the confirmation is what makes a signature count."
)


class SignatureForm(Form):
    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    postcode = forms.CharField(
        label="ZIP or postcode",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    country = CountryChoiceField(choices=countries)
    comment = forms.CharField(
        label="Why are you signing? (optional)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    show_name = forms.BooleanField(label="Show my name on this petition", required=False)
    wants_updates = forms.BooleanField(label="Email me updates about this campaign", required=False)
    ref = forms.CharField(max_length=16, required=False, widget=forms.HiddenInput)
    # A honeypot: hidden from people by CSS, filled in by naive bots.
    website = forms.CharField(required=False, label="Leave this empty")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].initial = settings.GROUNDSWELL["DEFAULT_COUNTRY"]

    def clean_email(self):
        email = self.cleaned_data["email"]
        if settings.GROUNDSWELL["BLOCK_DISPOSABLE_EMAIL"] and is_disposable(email):
            raise forms.ValidationError(DISPOSABLE_MESSAGE)
        return email

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Please tell us your name.")
        return name

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    def action_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("website", None)
        data["referral_code"] = data.pop("ref", "")
        return data


class PetitionForm(Form):
    title = forms.CharField(max_length=150)
    demand = forms.CharField(
        label="What we ask",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or two sentences: what should the decision-maker do?",
    )
    reasons = forms.CharField(
        label="Why it matters",
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Markdown: **bold**, *italic*, [links](https://example.org), lists.",
    )
    image = forms.ImageField(required=False)
    closes_on = forms.DateField(
        required=False,
        label="Closing date (optional)",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_closes_on(self):
        closes_on = self.cleaned_data.get("closes_on")
        if closes_on and closes_on < timezone.localdate():
            raise forms.ValidationError("The closing date cannot be in the past.")
        return closes_on


class TargetForm(Form):
    name = forms.CharField(
        max_length=150,
        required=False,
        label="Name",
        widget=forms.TextInput(attrs={"list": "directory-names", "autocomplete": "off"}),
    )
    role = forms.CharField(
        max_length=200,
        required=False,
        label="Role and office",
        widget=forms.TextInput(attrs={"list": "directory-roles", "autocomplete": "off"}),
        help_text='e.g. "Director, Immigration and Customs Enforcement"',
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("name")) != bool(data.get("role")):
            raise forms.ValidationError("Give both the person's name and their role.")
        return data


class BaseTargetFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not self.targets():
            raise forms.ValidationError("Name at least one person this petition is addressed to.")

    def targets(self) -> list[TargetInput]:
        return [
            TargetInput(name=f.cleaned_data["name"], role=f.cleaned_data["role"])
            for f in self.forms
            if f.cleaned_data.get("name")
        ]


TargetFormSet = forms.formset_factory(
    TargetForm, formset=BaseTargetFormSet, extra=3, max_num=13, validate_max=True
)
