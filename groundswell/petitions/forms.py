from collections import Counter
from urllib.parse import parse_qsl

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from groundswell.core import i18n
from groundswell.core.email_address import is_disposable
from groundswell.core.forms import (
    CountryChoiceField,
    Form,
    LineField,
    check_spanish_version,
    spanish_twin,
)
from groundswell.core.images import ImageUploadField
from groundswell.petitions.actions import SignerInput, TargetInput
from groundswell.petitions.sharing import clean_source
from groundswell.targets.access import targets_for_addressing

DISPOSABLE_MESSAGE = _(
    "Please use an address you keep: throwaway mailboxes cannot sign here, "
    "because the confirmation is what makes a signature count."
)

# --- The signer: one schema for the form, the API and the fast path ---------------------------


class SignerEmailField(forms.EmailField):
    def validate(self, value):
        super().validate(value)
        if settings.GROUNDSWELL["BLOCK_DISPOSABLE_EMAIL"] and is_disposable(value):
            raise forms.ValidationError(DISPOSABLE_MESSAGE)


class PostcodeField(forms.CharField):
    def to_python(self, value):
        return super().to_python(value).upper()


class SourceField(forms.CharField):
    """The share channel or widget the link named (sharing.SOURCES); anything else is ""."""

    widget = forms.HiddenInput

    def to_python(self, value):
        return clean_source(super().to_python(value))


class SignatureForm(Form):
    """The one definition of a valid signer. Every rule is in a field, so that
    ``read_signer`` (the fast path's, petitions/fastpath.py) cleans with the same code."""

    name = LineField(
        label=_("Name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = SignerEmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    postcode = PostcodeField(
        label=_("ZIP or postcode"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    country = CountryChoiceField(label=_("Country"), choices=countries)
    comment = forms.CharField(
        label=_("Why are you signing? (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    show_name = forms.BooleanField(label=_("Show my name on this petition"), required=False)
    wants_updates = forms.BooleanField(
        label=_("Email me updates about this campaign"), required=False
    )
    ref = forms.CharField(max_length=16, required=False, widget=forms.HiddenInput)
    src = SourceField(required=False)
    # A honeypot: hidden from people by CSS, filled in by naive bots.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].initial = settings.GROUNDSWELL["DEFAULT_COUNTRY"]

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    def signer(self, *, network: str = "", language: str = "") -> SignerInput:
        return _signer(self.cleaned_data, network, language)


def read_signer(body: bytes, language: str = "") -> SignerInput | None:
    """The signer in a sign form's urlencoded ``body`` if ``SignatureForm`` accepts it and it
    is no bot; otherwise None, and the form says why. Each field cleans its value exactly as
    the form does (``Form._clean_fields``), without the form's per-request copies of itself
    or a QueryDict (together, most of the time this took)."""
    try:
        data = dict(parse_qsl(body.decode(), keep_blank_values=True))  # the last of a name
    except UnicodeDecodeError:
        return None
    cleaned = {}
    for name, field in SignatureForm.base_fields.items():
        try:
            cleaned[name] = field.clean(field.widget.value_from_datadict(data, {}, name))
        except forms.ValidationError:
            return None
    return None if cleaned["website"] else _signer(cleaned, language=language)


def _signer(cleaned: dict, network: str = "", language: str = "") -> SignerInput:
    """``language``: the page's ("es"), in which every email to them is written."""
    fields = {k: v for k, v in cleaned.items() if k not in ("website", "ref", "src")}
    return SignerInput(
        **fields,
        referral_code=cleaned["ref"],
        source=cleaned["src"],
        network=network,
        language=i18n.supported(language) or "",
    )


class PetitionForm(Form):
    title = LineField(label=_("Title"), max_length=150)
    demand = forms.CharField(
        label=_("What we ask"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One or two sentences: what should the decision-maker do?"),
    )
    reasons = forms.CharField(
        label=_("Why it matters"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Markdown: **bold**, *italic*, [links](https://example.org), lists."),
    )
    image = ImageUploadField(required=False)
    closes_on = forms.DateField(
        required=False,
        label=_("Closing date (optional)"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    first_goal = forms.IntegerField(
        required=False,
        min_value=10,
        max_value=100_000_000,
        label=_("First goal (optional)"),
        help_text=_(
            "How many signatures to aim for first. Once it is reached, the goal moves "
            "up the ladder (500, 1,000, 5,000 …). Without one, the first goal is 100."
        ),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    # The Spanish version (core/translated.py): a Spanish title makes one, and then its
    # demand is needed too; without one, Spanish readers see the English and are told so.
    title_es = spanish_twin(title, _("Title in Spanish"))
    demand_es = spanish_twin(demand, _("What we ask, in Spanish"))
    reasons_es = spanish_twin(reasons, _("Why it matters, in Spanish"), _("Markdown, as above."))

    def clean(self):
        data = super().clean()
        check_spanish_version(
            self,
            data,
            {
                "demand_es": _("Say what you ask in Spanish too."),
                "reasons_es": _("Say why it matters in Spanish too."),
            },
        )
        return data

    def clean_closes_on(self):
        closes_on = self.cleaned_data.get("closes_on")
        if closes_on and closes_on < timezone.localdate():
            raise forms.ValidationError(_("The closing date cannot be in the past."))
        return closes_on


class TargetForm(Form):
    """One person the petition is addressed to: an entry picked from the directory, or a new
    one. Typing the name and role of an entry the organiser can see does not reuse it
    silently: they are asked to pick it, or to say it is someone else."""

    entry = forms.IntegerField(
        required=False,
        label=_("From the directory"),
        widget=forms.Select,
        help_text=_("Pick someone already in the directory, to add to their record of answers."),
    )
    name = LineField(max_length=150, required=False, label=_("Or someone new: name"))
    # No help text: Django puts it between label and input, which would drop this input
    # below the name's beside it (the fieldset's introduction says what to write).
    role = LineField(
        max_length=200,
        required=False,
        label=_("Role and office"),
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. Director, Immigration and Customs Enforcement"}
        ),
    )
    email = forms.EmailField(
        required=False,
        max_length=254,
        label=_("Their email (optional)"),
        help_text=_(
            "Where your organisation's delivery to them goes. Only your campaigns use it; "
            "you see it again before anything is sent."
        ),
    )
    separate = forms.BooleanField(
        required=False, label=_("This is someone else: make a separate directory entry")
    )

    def __init__(self, *args, organisation=None, directory=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["entry"].widget.choices = [("", _("— someone new —")), *directory]
        self.clash = False

    def clean_entry(self):
        pk = self.cleaned_data.get("entry")
        if pk is None:
            return None
        target = targets_for_addressing(self.organisation).filter(pk=pk).first()
        if target is None:
            raise forms.ValidationError(_("No such person in the directory: choose them again."))
        return target

    def clean(self):
        data = super().clean()
        name = " ".join((data.get("name") or "").split())
        role = " ".join((data.get("role") or "").split())
        data["name"], data["role"] = name, role
        if data.get("entry") and (name or role):
            raise forms.ValidationError(
                _("Pick someone from the directory or name someone new, not both.")
            )
        if bool(name) != bool(role):
            raise forms.ValidationError(_("Give both the person's name and their role."))
        if data.get("email") and not (name or data.get("entry")):
            raise forms.ValidationError(_("Name the person, or pick them, as well as their email."))
        if name and not data.get("separate") and self._in_directory(name, role):
            self.clash = True
            raise forms.ValidationError(
                _(
                    "%(name)s, %(role)s is already in the directory. Pick them from the list to "
                    "add this petition to their record, or tick the box if this is someone else."
                )
                % {"name": name, "role": role}
            )
        return data

    def _in_directory(self, name: str, role: str) -> bool:
        return (
            targets_for_addressing(self.organisation)
            .filter(name__iexact=name, role__iexact=role)
            .exists()
        )

    def target(self) -> TargetInput | None:
        data = self.cleaned_data
        email = data.get("email") or ""
        if data.get("entry"):
            entry = data["entry"]
            return TargetInput(name=entry.name, role=entry.role, target_id=entry.pk, email=email)
        if data.get("name"):
            return TargetInput(name=data["name"], role=data["role"], email=email)
        return None


class BaseTargetFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not self.targets():
            raise forms.ValidationError(
                _("Name at least one person this petition is addressed to.")
            )

    def targets(self) -> list[TargetInput]:
        return [t for t in (f.target() for f in self.forms) if t is not None]


TargetFormSet = forms.formset_factory(
    TargetForm, formset=BaseTargetFormSet, extra=3, max_num=13, validate_max=True
)


def directory_choices(organisation, keep=(), limit: int = 500) -> list[tuple[int, str]]:
    """The entries ``organisation`` may pick (and always those in ``keep``, the petition's own),
    labelled so that namesakes can be told apart."""
    visible = targets_for_addressing(organisation)
    fields = ("pk", "name", "role", "office")
    rows = list(visible.order_by("name", "role", "pk").values_list(*fields)[:limit])
    shown = {row[0] for row in rows}
    rows += visible.filter(pk__in=[t.pk for t in keep if t.pk not in shown]).values_list(*fields)
    labels = [
        (pk, f"{name}, {role}" + (f" ({office})" if office and office not in role else ""))
        for pk, name, role, office in sorted(rows, key=lambda r: (r[1], r[2], r[0]))
    ]
    repeated = Counter(label for _, label in labels)
    return [
        (
            pk,
            _("%(label)s · entry %(pk)s") % {"label": label, "pk": pk}
            if repeated[label] > 1
            else label,
        )
        for pk, label in labels
    ]


class MyDataForm(Form):
    """The "My data" page: an address whose data is sent to it."""

    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
