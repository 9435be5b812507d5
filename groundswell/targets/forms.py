from django import forms
from django.utils import timezone
from django_countries import countries

from groundswell.core.forms import CountryChoiceField, Form, LineField
from groundswell.core.images import ImageUploadField
from groundswell.targets.models import Answer, Target

MAX_ATTACHMENT_MB = 5
MAX_PHOTO_MB = 2


def validate_pdf(upload) -> None:
    """A PDF of at most ``MAX_ATTACHMENT_MB``: its bytes must say so, not its name or type."""
    if upload.size > MAX_ATTACHMENT_MB * 1024 * 1024:
        raise forms.ValidationError(
            f"The attachment is larger than {MAX_ATTACHMENT_MB} MB. Attach a smaller PDF, "
            "or put the answer in the text."
        )
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(max(0, upload.size - 1024))
    tail = upload.read()
    upload.seek(0)
    if b"%PDF-" not in head or b"%%EOF" not in tail:
        raise forms.ValidationError("The attachment must be a PDF document.")


class AnswerForm(Form):
    """The target's answer through the private link: the text, or a decline."""

    DECISIONS = [("answer", "Publish our answer"), ("decline", "Decline to answer")]

    # Sent by the button pressed; a form submitted with the Enter key publishes the answer.
    decision = forms.ChoiceField(choices=DECISIONS, required=False, widget=forms.HiddenInput)
    text = forms.CharField(
        label="Your answer",
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Published on the petition page as you write it, with today's date, and "
        "emailed to the signers who asked for updates. This link works once.",
    )
    attachment = forms.FileField(
        label="Attach a letter (PDF, optional)",
        required=False,
        help_text=f"At most {MAX_ATTACHMENT_MB} MB.",
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    @property
    def declined(self) -> bool:
        return self.cleaned_data.get("decision") == "decline"

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            validate_pdf(upload)
        return upload

    def clean(self):
        data = super().clean()
        if not self.declined and not (data.get("text") or "").strip():
            self.add_error("text", "Write your answer, or choose to decline to answer.")
        return data


class OutsideAnswerForm(Form):
    """An answer that came another way, recorded by an organiser."""

    OUTCOMES = [("answered", "They answered"), ("declined", "They declined to answer")]

    outcome = forms.ChoiceField(choices=OUTCOMES, widget=forms.RadioSelect, initial="answered")
    source = forms.ChoiceField(
        label="How it came",
        choices=[
            (value, label) for value, label in Answer.Source.choices if value in Answer.OUTSIDE
        ],
    )
    received_on = forms.DateField(label="On", widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(
        label="What they said",
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Quote it, or summarise it faithfully: it is published on the petition page.",
    )
    attachment = forms.FileField(
        label="A copy (PDF, optional)",
        required=False,
        help_text=f"At most {MAX_ATTACHMENT_MB} MB.",
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    email_signers = forms.BooleanField(
        label="Email it to signers who asked for updates", required=False, initial=True
    )

    @property
    def declined(self) -> bool:
        return self.cleaned_data.get("outcome") == "declined"

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > timezone.localdate():
            raise forms.ValidationError("The answer cannot have come in the future.")
        return received_on

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            validate_pdf(upload)
        return upload

    def clean(self):
        data = super().clean()
        if data.get("outcome") == "answered" and not (data.get("text") or "").strip():
            self.add_error("text", "Write what the answer said, or a summary of it.")
        return data

    def action_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "source": data["source"],
            "received_on": data["received_on"],
            "text": data["text"],
            "attachment": data["attachment"] or None,
            "declined": self.declined,
            "email_signers": data["email_signers"],
        }


def _days(label: str, maximum: int, help_text: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, min_value=1, max_value=maximum, help_text=help_text
    )


class DeliverForm(Form):
    prefix = "deliver"  # the dashboard shows this form and the next one together

    answer_within_days = _days(
        "Ask for an answer within (days)", 365, "Optional. Past it, the page says overdue."
    )
    remind_every_days = _days(
        "Remind them every (days)", 90, "Optional. Reminders stop when they answer."
    )
    # The addresses the organiser was shown (actions.addresses_fingerprint); without them
    # the organiser is shown the addresses and asked to confirm before anything is sent.
    confirmed = forms.CharField(required=False, max_length=20000, widget=forms.HiddenInput)

    def plan(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "confirmed"}


class DeliveryPlanForm(DeliverForm):
    prefix = "plan"
    confirmed = None

    delivery_threshold = forms.IntegerField(
        label="Deliver automatically at (confirmed signatures)",
        required=False,
        min_value=1,
        max_value=100_000_000,
        help_text="Optional. Checked every few minutes while the petition is open.",
    )

    field_order = ["delivery_threshold", "answer_within_days", "remind_every_days"]


class OutcomeForm(Form):
    prefix = "outcome"
    OUTCOMES = [("won", "We won"), ("closed", "Close the campaign")]

    outcome = forms.ChoiceField(choices=OUTCOMES, widget=forms.RadioSelect, initial="won")
    note = forms.CharField(
        label="What happened",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown on the petition page. Signing stops.",
    )


class TargetForm(Form):
    name = LineField(max_length=150)
    role = LineField(
        label="Role and office",
        max_length=200,
        help_text='As petitions show it, e.g. "Director, Immigration and Customs Enforcement".',
    )
    title = LineField(max_length=150, required=False, help_text='e.g. "Director"')
    office = LineField(label="Office or organisation", max_length=200, required=False)
    country = CountryChoiceField(choices=countries, required=False)
    state = forms.CharField(label="State or region", max_length=100, required=False)
    district = forms.CharField(
        max_length=100, required=False, help_text="Where it applies, e.g. a congressional district."
    )
    email = forms.EmailField(
        label="Public contact email",
        max_length=254,
        required=False,
        help_text="The directory's address: every campaign's deliveries go here unless its "
        "organisation set its own. It is shown on this page.",
    )
    website = forms.URLField(max_length=200, required=False, assume_scheme="https")
    photo = ImageUploadField(required=False, max_mb=MAX_PHOTO_MB)

    def __init__(self, *args, directory_address: bool = False, **kwargs):
        """``directory_address``: whether this person may change the contact address (staff)."""
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—"), *countries]
        if not directory_address:
            del self.fields["email"]

    @classmethod
    def initial_for(cls, target) -> dict:
        initial = {name: getattr(target, name) for name in cls.base_fields if name != "photo"}
        initial["country"] = target.country.code or ""
        return initial

    def action_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["photo"] = data.get("photo") or None
        return data


class AddressForm(Form):
    """Where one organisation's deliveries to one target go. Only its own deliveries use it."""

    email = forms.EmailField(
        label="Your organisation's address for this person",
        max_length=254,
        required=False,
        help_text="Only your organisation's deliveries (and their private answer links) go "
        "here. Leave it empty to use the directory's address.",
    )


class OtherDeliveryForm(Form):
    """A delivery made by post or by hand, recorded so the waiting days count from it."""

    prefix = "other"

    target = forms.ModelChoiceField(queryset=None, label="Delivered to", empty_label=None)
    method = forms.ChoiceField(label="How", choices=[("post", "By post"), ("hand", "By hand")])
    delivered_on = forms.DateField(
        label="On", widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    answer_within_days = _days(
        "Asked for an answer within (days)", 365, "Optional. Past it, the page says overdue."
    )

    def __init__(self, *args, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets if targets is not None else Target.objects.none()
