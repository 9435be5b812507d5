from io import BytesIO

from django import forms
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image

from groundswell.core.forms import Form, LineField, check_spanish_version, spanish_twin
from groundswell.core.images import ImageUploadField
from groundswell.letters.actions import MAX_DEADLINE_DAYS, OrganisationInput, RequestInput
from groundswell.petitions.actions import TargetInput
from groundswell.targets.forms import MAX_ATTACHMENT_MB, OutsideAnswerForm, validate_pdf
from groundswell.targets.models import Delivery

MAX_LOGO_MB = 2
LOGO_BOX = (480, 240)  # pixels: a logo is shown at most 160 x 80, three times over


class LetterForm(Form):
    """The letter itself; its addressees come from petitions.forms.TargetFormSet."""

    title = LineField(label=_("Title"), max_length=150)
    summary = forms.CharField(
        label=_("In one or two sentences"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the letter asks. Shown at the top of its page and in previews."),
    )
    text = forms.CharField(
        label=_("The letter"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Markdown: **bold**, *italic*, [links](https://example.org), lists."),
    )
    answer_within_days = forms.IntegerField(
        label=_("Answer due within (days)"),
        initial=14,
        min_value=1,
        max_value=MAX_DEADLINE_DAYS,
        help_text=_("Counted from the day the letter is sent. The page counts the days."),
        error_messages={
            "min_value": _(
                "Give the target at least one day to answer: a deadline in the past cannot be met."
            )
        },
    )
    remind_every_days = forms.IntegerField(
        label=_("Remind them every (days, optional)"),
        required=False,
        min_value=1,
        max_value=90,
        help_text=_("After the deadline, the target is reminded at this interval."),
    )

    # The Spanish version (core/translated.py), as a petition's: a Spanish title makes one.
    title_es = spanish_twin(title, _("Title in Spanish"))
    summary_es = spanish_twin(summary, _("In one or two sentences, in Spanish"))
    text_es = spanish_twin(text, _("The letter, in Spanish"), _("Markdown, as above."))

    def clean(self):
        data = super().clean()
        check_spanish_version(
            self,
            data,
            {
                "summary_es": _("Give the summary in Spanish too."),
                "text_es": _("Give the letter in Spanish too."),
            },
        )
        return data


def resized_logo(picture: ContentFile) -> ContentFile:
    """``picture`` (already decoded and written anew) shrunk to fit ``LOGO_BOX``."""
    with Image.open(BytesIO(picture.read())) as image:
        kind = image.format
        image.thumbnail(LOGO_BOX)
        out = BytesIO()
        image.save(out, kind)
    return ContentFile(out.getvalue(), name=picture.name)


class OrganisationForm(Form):
    """A partner organisation co-signs through the invitation link."""

    name = LineField(label=_("Organisation name"), max_length=150)
    website = forms.URLField(label=_("Website"), max_length=300, assume_scheme="https")
    logo = ImageUploadField(
        label=_("Logo"),
        max_mb=MAX_LOGO_MB,
        help_text=_("JPEG, PNG, WebP or GIF, at most 2 MB. SVG is not accepted."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}
        ),
    )
    signed_by = LineField(label=_("Your name"), max_length=100)
    email = forms.EmailField(
        label=_("Your email"),
        max_length=254,
        help_text=_("We email you a link to confirm. It is not shown."),
    )

    def clean_logo(self):
        return resized_logo(self.cleaned_data["logo"])

    def organisation(self) -> OrganisationInput:
        data = self.cleaned_data
        return OrganisationInput(
            name=data["name"],
            website=data["website"],
            signed_by=data["signed_by"],
            email=data["email"],
        )


class RequestsLogForm(Form):
    title = LineField(label=_("Title"), max_length=150)
    description = forms.CharField(
        label=_("What these requests are"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RequestForm(Form):
    METHODS = [
        (Delivery.Method.EMAIL, _("Send it by email now")),
        (Delivery.Method.POST, _("It was sent by post")),
        (Delivery.Method.HAND, _("It was handed over")),
    ]

    reference = LineField(label=_("Reference (optional)"), max_length=40, required=False)
    subject = LineField(label=_("Subject"), max_length=150)
    text = forms.CharField(
        label=_("The request"), max_length=10000, widget=forms.Textarea(attrs={"rows": 6})
    )
    name = LineField(label=_("To: name"), max_length=150)
    role = LineField(label=_("Role and office"), max_length=200)
    email = forms.EmailField(label=_("Their email"), required=False, max_length=254)
    method = forms.ChoiceField(label=_("How"), choices=METHODS, initial=Delivery.Method.POST)
    sent_on = forms.DateField(
        label=_("Sent on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    deadline = forms.DateField(
        label=_("Answer due by"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        method = data.get("method")
        today = timezone.localdate()
        sent_on = today if method == Delivery.Method.EMAIL else data.get("sent_on")
        if method == Delivery.Method.EMAIL and not data.get("email"):
            self.add_error("email", _("Give their email to send the request by email."))
        if method != Delivery.Method.EMAIL and sent_on is None:
            self.add_error("sent_on", _("Say when it was sent."))
        elif sent_on and sent_on > today:
            self.add_error("sent_on", _("A request cannot have been sent in the future."))
        deadline = data.get("deadline")
        if deadline and sent_on and deadline <= sent_on:
            self.add_error(
                "deadline",
                _("The deadline must come after the day the request was sent."),
            )
        elif deadline and method == Delivery.Method.EMAIL and deadline <= today:
            self.add_error("deadline", _("The deadline is in the past: give a later date."))
        data["sent_on"] = sent_on
        return data

    def request_input(self) -> RequestInput:
        data = self.cleaned_data
        return RequestInput(
            reference=data["reference"],
            subject=data["subject"],
            text=data["text"],
            target=TargetInput(name=data["name"], role=data["role"], email=data["email"] or ""),
            sent_on=data["sent_on"],
            deadline=data["deadline"],
            method=data["method"],
        )


def validate_answer_copy(upload):
    """A copy of an answer that came by post: a PDF, or a picture (written anew)."""
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        validate_pdf(upload)
        return upload
    from groundswell.core.images import reencode

    try:
        return reencode(upload, max_mb=MAX_ATTACHMENT_MB)
    except forms.ValidationError:
        raise forms.ValidationError(
            _("The copy must be a PDF or a picture (JPEG, PNG, WebP or GIF).")
        ) from None


class LetterAnswerForm(OutsideAnswerForm):
    """An answer to a letter that came by post or phone: its copy may be a PDF or a picture."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["attachment"]
        field.label = _("A copy (PDF or picture, optional)")
        field.widget.attrs["accept"] = "application/pdf,.pdf,image/png,image/jpeg,image/webp"

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        return validate_answer_copy(upload) if upload else upload
