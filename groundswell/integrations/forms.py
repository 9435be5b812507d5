from datetime import datetime, time

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.core.forms import Form
from groundswell.integrations.models import EventType, Scope
from groundswell.integrations.sending import AddressRefused, check_url


class TokenForm(Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What uses it, e.g. “CRM sync”.")
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Optional. The token stops working at the end of this day."),
    )

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a day in the future."))
        return day

    def expires_at(self) -> datetime | None:
        day = self.cleaned_data["expires_on"]
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day, time.max))


class EndpointForm(Form):
    url = forms.URLField(max_length=500, assume_scheme="https", label=_("URL"))
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def clean_url(self):
        url = self.cleaned_data["url"]
        allow_private = settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES
        if not url.startswith("https://") and not allow_private:
            raise forms.ValidationError(_("Use an https:// address: deliveries carry signed data."))
        try:
            check_url(url)
        except AddressRefused as refused:
            raise forms.ValidationError(str(refused)) from None
        return url
