from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.core.forms import Form
from groundswell.core.network import networks_in
from groundswell.moderation.models import AuditEntry, Invalidation, Reason, Report
from groundswell.moderation.rules import DOMAIN, POSTCODE_PATTERNS, Rule
from groundswell.petitions.models import Petition

REASON_ERROR = _("Choose one of the reasons in the list.")


class DecisionForm(Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve and open")), ("reject", _("Reject"))],
        error_messages={"invalid_choice": _("Choose approve or reject.")},
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", "—"), *Reason.choices],
        required=False,
        error_messages={"invalid_choice": REASON_ERROR},
        help_text=_("Shown on the petition's public page."),
    )
    note = forms.CharField(
        label=_("Note to the organiser"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What to change. Emailed to the organiser; required to reject."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject":
            if not data.get("reason") and "reason" not in self.errors:
                self.add_error("reason", _("Choose why the petition is rejected."))
            if not data.get("note", "").strip():
                self.add_error("note", _("Write a note: tell the organiser what to change."))
        return data


class ReportForm(Form):
    why = forms.ChoiceField(
        label=_("What is wrong?"),
        choices=Report.Why.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": REASON_ERROR, "required": REASON_ERROR},
    )
    details = forms.CharField(
        label=_("Anything moderators should know (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class HideForm(Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=Reason.choices,
        error_messages={"invalid_choice": REASON_ERROR, "required": REASON_ERROR},
    )
    note = forms.CharField(
        label=_("Note for the audit log"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write a note: say why this is hidden.")},
    )


class NoteForm(Form):
    note = forms.CharField(
        label=_("Note for the audit log"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RevertForm(Form):
    note = forms.CharField(
        label=_("Why revert?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write a note: say why this invalidation is reverted.")},
    )


class RuleForm(Form):
    rule = forms.ChoiceField(
        label=_("Rule"),
        choices=Invalidation.Rule.choices,
        error_messages={"invalid_choice": _("Choose one of the rules in the list.")},
    )
    petition = forms.ModelChoiceField(
        label=_("Petition"),
        queryset=Petition.objects.exclude(status=Petition.Status.DRAFT).order_by("-pk"),
        required=False,
        empty_label=_("Every petition"),
        error_messages={"invalid_choice": _("Choose a petition from the list.")},
    )
    domain = forms.CharField(
        label=_("Domain"),
        required=False,
        max_length=253,
        help_text=_("e.g. mailinator.com (and its subdomains)"),
    )
    network = forms.CharField(
        label=_("Network"),
        required=False,
        max_length=60,
        help_text=_("e.g. 203.0.113.0/24 or 2001:db8:1::/48"),
    )
    start = forms.DateTimeField(
        label=_("Start"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    end = forms.DateTimeField(
        label=_("End"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    country = forms.ChoiceField(
        label=_("Country"),
        required=False,
        choices=[("", "—"), *((c, c) for c in sorted(POSTCODE_PATTERNS))],
        error_messages={"invalid_choice": _("The postcode rule knows only the countries listed.")},
    )
    per_minute = forms.IntegerField(
        label=_("Signatures per minute from one network"), required=False, min_value=2
    )
    note = forms.CharField(
        label=_("Why are these signatures invalid?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write a note: say why these signatures are invalid.")},
    )
    # Set by the preview page: the person has seen the count and the sample.
    previewed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # Asked for when a rule matches everything, or more than half of a petition.
    really = forms.BooleanField(
        label=_("Yes: I understand this removes most of the signatures it looks at"), required=False
    )

    NEEDS = {
        "email_domain": ["domain"],
        "network": ["network"],
        "time_window": ["start", "end"],
        "postcode_country": ["country"],
        "burst": ["per_minute"],
    }

    def clean_domain(self):
        domain = self.cleaned_data["domain"].strip().lower().lstrip("@")
        if domain and not DOMAIN.match(domain):
            raise forms.ValidationError(_("Give a domain name such as mailinator.com."))
        return domain

    def clean_network(self):
        network = self.cleaned_data["network"].strip()
        if network:
            try:
                networks_in(network)
            except ValueError as error:
                raise forms.ValidationError(str(error)) from None
        return network

    def clean(self):
        data = super().clean()
        kind = data.get("rule")
        for name in self.NEEDS.get(kind, []):
            if name not in self.errors and data.get(name) in (None, ""):
                self.add_error(name, _("This rule needs this."))
        start, end = data.get("start"), data.get("end")
        if kind == "time_window" and start and end and start >= end:
            self.add_error("end", _("The end must come after the start."))
        return data

    def to_rule(self) -> Rule:
        data = self.cleaned_data
        kind = data["rule"]
        parameters = {}
        for name in self.NEEDS[kind]:
            value = data[name]
            if isinstance(value, datetime):
                value = timezone.localtime(value).isoformat()
            parameters[name] = value
        return Rule(kind, parameters)


class AuditFilterForm(Form):
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("Any")), *AuditEntry.Action.choices], required=False
    )
    actor = forms.CharField(label=_("Who (email contains)"), required=False, max_length=254)
    subject = forms.CharField(label=_("What (contains)"), required=False, max_length=200)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filter(self, entries):
        if not self.is_valid():
            return entries.none()
        data = self.cleaned_data
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["actor"]:
            entries = entries.filter(actor_label__icontains=data["actor"])
        if data["subject"]:
            entries = entries.filter(subject__icontains=data["subject"])
        if data["since"]:
            entries = entries.filter(created_at__date__gte=data["since"])
        if data["until"]:
            entries = entries.filter(created_at__date__lte=data["until"])
        return entries
