from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from groundswell.core.forms import Form, LineField
from groundswell.support import crypto
from groundswell.support.actions import Intake
from groundswell.support.models import (
    AVAILABILITY,
    REGION_CHOICES,
    SECTORS,
    SKILLS,
    AdviserProfile,
    Programme,
    page_language_for,
    spoken_language_choices,
)

NO_AUTOFILL = {"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}


def _checkboxes(choices, label, **kwargs):
    return forms.MultipleChoiceField(
        choices=choices, label=label, widget=forms.CheckboxSelectMultiple, **kwargs
    )


class IntakeForm(Form):
    """Coarse matching answers in plain form, then the situation, which is sealed."""

    sector = forms.ChoiceField(
        choices=[("", _("Choose one")), *SECTORS], label=_("The kind of work you do now")
    )
    skills = _checkboxes(SKILLS, _("What you would like help with"), required=False)
    region = forms.ChoiceField(
        choices=[("", _("Choose one")), *REGION_CHOICES],
        label=_("Roughly where you are"),
        help_text=_("Only to find an adviser in a similar time zone."),
    )
    language = forms.ChoiceField(label=_("The language you want to talk in"))
    availability = _checkboxes(AVAILABILITY, _("When you could talk"), required=False)
    situation = forms.CharField(
        label=_("Your situation"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8, **NO_AUTOFILL}),
        help_text=_(
            "Encrypted. Only the adviser you accept can read it. Leave out names "
            "unless you need them."
        ),
    )
    employer = forms.CharField(
        label=_("Your employer (optional)"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs=NO_AUTOFILL),
        help_text=_(
            "Only to avoid advisers with ties to it. It is kept sealed with your "
            "situation and, for matching, only as a scrambled fingerprint."
        ),
    )
    contact = forms.CharField(
        label=_("How an adviser could reach you (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, **NO_AUTOFILL}),
        help_text=_(
            "Locked with your receipt code. Nobody sees it unless you later choose "
            "to reveal it to your adviser."
        ),
    )
    notify_email = forms.EmailField(
        label=_("An email address for notices (optional)"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs=NO_AUTOFILL),
        help_text=_("We would only write 'there is news for you'. Read the warning above."),
    )
    notify_consent = forms.BooleanField(
        label=_(
            "I understand: to send notices the server must be able to read this address, "
            "so it is less protected than everything else. I will use an address that does "
            "not carry my name."
        ),
        required=False,
    )
    # A honeypot: hidden from people by CSS, filled in by naive bots.
    website = forms.CharField(
        required=False,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.fields["language"].choices = programme.language_choices()
        self.questions = programme.questions()
        for i, question in enumerate(self.questions):
            self.fields[f"q{i}"] = forms.CharField(
                label=question,
                max_length=2000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, **NO_AUTOFILL}),
            )

    def question_fields(self):
        return [self[f"q{i}"] for i in range(len(self.questions))]

    def clean(self):
        data = super().clean()
        if data.get("notify_email") and not data.get("notify_consent"):
            self.add_error(
                "notify_consent", _("Tick this to leave an address, or leave the address empty.")
            )
        return data

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    def intake(self) -> Intake:
        data = self.cleaned_data
        answers = [
            (question, data.get(f"q{i}", "").strip())
            for i, question in enumerate(self.questions)
            if data.get(f"q{i}", "").strip()
        ]
        return Intake(
            sector=data["sector"],
            region=data["region"],
            language=data["language"],
            situation=data["situation"].strip(),
            skills=data["skills"],
            availability=data["availability"],
            answers=answers,
            employer=data["employer"].strip(),
            contact=data["contact"].strip(),
            notify_email=data["notify_email"].strip(),
            page_language=page_language_for(data["language"]),
        )


class ReceiptSavedForm(Form):
    saved = forms.BooleanField(label=_("I have saved my receipt code somewhere safe"))


class SecretInput(forms.TextInput):
    """A text box that never writes what was typed back into the page."""

    def format_value(self, value):
        return None


class ReceiptForm(Form):
    receipt = forms.CharField(
        label=_("Your receipt code"),
        max_length=60,
        widget=SecretInput(attrs=NO_AUTOFILL),
        help_text=_("Seven groups of four letters and digits. Dashes and spaces do not matter."),
    )


class MessageForm(Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, **NO_AUTOFILL}),
    )


class RevealForm(Form):
    contact = forms.CharField(
        label=_("Contact details to share with your adviser"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, **NO_AUTOFILL}),
    )
    understood = forms.BooleanField(
        label=_("I understand that once shared, this cannot be undone: the adviser will know it.")
    )


class DeleteForm(Form):
    prefix = "delete"  # two confirmations on one page: their ids must differ
    confirm = forms.BooleanField(
        label=_("Yes, delete my request, my messages and my keys now. This cannot be undone.")
    )


class PageLanguageForm(Form):
    language = forms.ChoiceField(label=_("Show these pages and my notices in"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each language named in itself, as a switcher does: a reader finds their own.
        self.fields["language"].choices = [
            (code, translation.get_language_info(code)["name_local"].capitalize())
            for code, _name in settings.LANGUAGES
        ]


class CloseForm(Form):
    prefix = "close"
    confirm = forms.BooleanField(
        label=_("Yes, close my request: my adviser will no longer see it.")
    )


# --- Advisers -------------------------------------------------------------------------------


class AdviserLoginForm(Form):
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label=_("Code from your two-factor app"),
        max_length=8,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class RecoverForm(AdviserLoginForm):
    recovery_code = forms.CharField(
        label=_("Your recovery code"), max_length=60, widget=SecretInput(attrs=NO_AUTOFILL)
    )

    def clean_recovery_code(self):
        code = self.cleaned_data["recovery_code"]
        if not crypto.looks_like_code(code):
            raise forms.ValidationError(_("A recovery code has seven groups of four characters."))
        return code


class JoinForm(Form):
    """A new account (name and password) or, for an existing one, its password."""

    name = LineField(max_length=150, label=_("Your name"), required=False)
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, existing_account: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing_account = existing_account
        if existing_account:
            del self.fields["name"]
            self.fields["password"].label = _("The password of your account")
            self.fields["password"].widget.attrs["autocomplete"] = "current-password"
        else:
            self.fields["name"].required = True
            self.fields[
                "password"
            ].help_text = password_validation.password_validators_help_text_html()

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.existing_account:
            password_validation.validate_password(password)
        return password


class TwoFactorForm(Form):
    code = forms.CharField(
        label=_("The six-digit code your app shows now"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class RecoverySavedForm(Form):
    saved = forms.BooleanField(label=_("I have saved my recovery code somewhere safe"))


# --- Coordinators ---------------------------------------------------------------------------


def _language_field(**kwargs):
    return forms.MultipleChoiceField(
        choices=spoken_language_choices,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        **kwargs,
    )


def organisation_field(organisations):
    return forms.ModelChoiceField(queryset=organisations, label=_("Run by"), empty_label=None)


class ProgrammeForm(Form):
    name = LineField(max_length=150, label=_("Name"))
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Who this is for and what help is offered. Shown to everyone."),
    )
    intake_questions = forms.CharField(
        label=_("Extra questions on the request form (optional)"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line. Answers are encrypted like the rest of a request."),
    )
    languages = _language_field(label=_("Languages advisers can help in"))
    unmatched_days = forms.IntegerField(
        label=_("Delete unmatched requests after (days)"), min_value=1, max_value=365, initial=30
    )
    inactive_days = forms.IntegerField(
        label=_("Delete closed or inactive requests after (days)"),
        min_value=7,
        max_value=730,
        initial=90,
        help_text=_("A new message starts the count again."),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=Programme.Status.choices, initial=Programme.Status.OPEN
    )

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            del self.fields["status"]


class AdviserForm(Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    display_name = LineField(
        max_length=60, label=_("Name shown to seekers"), help_text=_("A first name is enough.")
    )
    qualifications = forms.CharField(
        label=_("Qualifications"),
        max_length=300,
        help_text=_("Shown to seekers, e.g. 'Career counsellor, 12 years'."),
    )
    skills = _checkboxes(SKILLS, _("Can help with"))
    sectors = _checkboxes(SECTORS, _("Knows these sectors"), required=False)
    languages = _language_field(label=_("Languages"))
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=[], initial="UTC")
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        max_value=20,
        initial=2,
        help_text=_("Requests at the same time."),
    )
    ties = forms.CharField(
        label=_("Ties that rule out a match (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Employers this adviser works for or is close to, one per line."),
    )
    vetting_note = forms.CharField(
        label=_("How you vetted this adviser"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For coordinators only: references checked, who met them, when."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=AdviserProfile.Status.choices)

    def __init__(self, *args, inviting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(z, z) for z in sorted(available_timezones())]
        if inviting:
            del self.fields["status"]
        else:
            del self.fields["email"]
