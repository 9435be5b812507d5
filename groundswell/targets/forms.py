from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
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
            _(
                "The attachment is larger than %(mb)s MB. Attach a smaller PDF, "
                "or put the answer in the text."
            )
            % {"mb": MAX_ATTACHMENT_MB}
        )
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(max(0, upload.size - 1024))
    tail = upload.read()
    upload.seek(0)
    if b"%PDF-" not in head or b"%%EOF" not in tail:
        raise forms.ValidationError(_("The attachment must be a PDF document."))


class AnswerForm(Form):
    """The target's answer through the private link: the text, or a decline."""

    DECISIONS = [("answer", _("Publish our answer")), ("decline", _("Decline to answer"))]

    # Sent by the button pressed; a form submitted with the Enter key publishes the answer.
    decision = forms.ChoiceField(choices=DECISIONS, required=False, widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Your answer"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "Published on the petition page as you write it, with today's date, and "
            "emailed to the signers who asked for updates. This link works once."
        ),
    )
    attachment = forms.FileField(
        label=_("Attach a letter (PDF, optional)"),
        required=False,
        help_text=_("At most %(mb)s MB.") % {"mb": MAX_ATTACHMENT_MB},
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
            self.add_error("text", _("Write your answer, or choose to decline to answer."))
        return data


class OutsideAnswerForm(Form):
    """An answer that came another way, recorded by an organiser."""

    OUTCOMES = [("answered", _("They answered")), ("declined", _("They declined to answer"))]

    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=OUTCOMES, widget=forms.RadioSelect, initial="answered"
    )
    source = forms.ChoiceField(
        label=_("How it came"),
        choices=[
            (value, label) for value, label in Answer.Source.choices if value in Answer.OUTSIDE
        ],
    )
    received_on = forms.DateField(label=_("On"), widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(
        label=_("What they said"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Quote it, or summarise it faithfully: it is published on the petition page."),
    )
    attachment = forms.FileField(
        label=_("A copy (PDF, optional)"),
        required=False,
        help_text=_("At most %(mb)s MB.") % {"mb": MAX_ATTACHMENT_MB},
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    email_signers = forms.BooleanField(
        label=_("Email it to signers who asked for updates"), required=False, initial=True
    )

    @property
    def declined(self) -> bool:
        return self.cleaned_data.get("outcome") == "declined"

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > timezone.localdate():
            raise forms.ValidationError(_("The answer cannot have come in the future."))
        return received_on

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            validate_pdf(upload)
        return upload

    def clean(self):
        data = super().clean()
        if data.get("outcome") == "answered" and not (data.get("text") or "").strip():
            self.add_error("text", _("Write what the answer said, or a summary of it."))
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


def _days(label, maximum: int, help_text) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, min_value=1, max_value=maximum, help_text=help_text
    )


class DeliverForm(Form):
    prefix = "deliver"  # the dashboard shows this form and the next one together

    answer_within_days = _days(
        _("Ask for an answer within (days)"), 365, _("Optional. Past it, the page says overdue.")
    )
    remind_every_days = _days(
        _("Remind them every (days)"), 90, _("Optional. Reminders stop when they answer.")
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
        label=_("Deliver automatically at (confirmed signatures)"),
        required=False,
        min_value=1,
        max_value=100_000_000,
        help_text=_("Optional. Checked every few minutes while the petition is open."),
    )

    field_order = ["delivery_threshold", "answer_within_days", "remind_every_days"]


class OutcomeForm(Form):
    prefix = "outcome"
    OUTCOMES = [("won", _("We won")), ("closed", _("Close the campaign"))]

    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=OUTCOMES, widget=forms.RadioSelect, initial="won"
    )
    note = forms.CharField(
        label=_("What happened"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the petition page. Signing stops."),
    )


class TargetForm(Form):
    name = LineField(label=_("Name"), max_length=150)
    role = LineField(
        label=_("Role and office"),
        max_length=200,
        help_text=_('As petitions show it, e.g. "Director, Immigration and Customs Enforcement".'),
    )
    title = LineField(
        label=_("Title"), max_length=150, required=False, help_text=_('e.g. "Director"')
    )
    office = LineField(label=_("Office or organisation"), max_length=200, required=False)
    country = CountryChoiceField(label=_("Country"), choices=countries, required=False)
    state = forms.CharField(label=_("State or region"), max_length=100, required=False)
    district = forms.CharField(
        label=_("District"),
        max_length=100,
        required=False,
        help_text=_("Where it applies, e.g. a congressional district."),
    )
    email = forms.EmailField(
        label=_("Public contact email"),
        max_length=254,
        required=False,
        help_text=_(
            "The directory's address: every campaign's deliveries go here unless its "
            "organisation set its own. It is shown on this page."
        ),
    )
    website = forms.URLField(
        label=_("Website"), max_length=200, required=False, assume_scheme="https"
    )
    photo = ImageUploadField(label=_("Photo"), required=False, max_mb=MAX_PHOTO_MB)

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
        label=_("Your organisation's address for this person"),
        max_length=254,
        required=False,
        help_text=_(
            "Only your organisation's deliveries (and their private answer links) go "
            "here. Leave it empty to use the directory's address."
        ),
    )


class OtherDeliveryForm(Form):
    """A delivery made by post or by hand, recorded so the waiting days count from it."""

    prefix = "other"

    target = forms.ModelChoiceField(queryset=None, label=_("Delivered to"), empty_label=None)
    method = forms.ChoiceField(
        label=_("How"), choices=[("post", _("By post")), ("hand", _("By hand"))]
    )
    delivered_on = forms.DateField(
        label=_("On"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    answer_within_days = _days(
        _("Asked for an answer within (days)"), 365, _("Optional. Past it, the page says overdue.")
    )

    def __init__(self, *args, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets if targets is not None else Target.objects.none()
