from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.core.forms import Form, LineField, check_spanish_version, spanish_twin


class UpdateForm(Form):
    title = LineField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Markdown: **bold**, *italic*, [a link](https://example.org), - lists, ## headings."
        ),
    )

    # The Spanish version (core/translated.py), optional: Spanish readers see it instead.
    title_es = spanish_twin(title, _("Title in Spanish (optional)"))
    body_es = spanish_twin(body, _("Text in Spanish (optional)"))

    def clean_title(self):
        title = self.cleaned_data["title"]
        if not title:
            raise forms.ValidationError(_("Give the update a title."))
        return title

    def clean(self):
        data = super().clean()
        check_spanish_version(self, data, {"body_es": _("Write the Spanish text too.")})
        return data


class PublishForm(Form):
    WHEN = [("now", _("Publish now")), ("later", _("Schedule for later"))]

    when = forms.ChoiceField(label=_("When"), choices=WHEN, widget=forms.RadioSelect, initial="now")
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    email_signers = forms.BooleanField(
        label=_("Also email it to signers who asked for updates"), required=False
    )

    def __init__(self, *args, mailable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not mailable:
            del self.fields["email_signers"]

    def clean(self):
        data = super().clean()
        if data.get("when") == "later":
            publish_at = data.get("publish_at")
            if publish_at is None:
                self.add_error("publish_at", _("Choose when to publish it."))
            elif publish_at <= timezone.now():
                self.add_error("publish_at", _("Choose a time in the future, or publish now."))
        return data


class UpdateSettingsForm(Form):
    milestone_updates = forms.BooleanField(
        label=_("Post an update when the petition passes a milestone (100, 500, 1,000, …)"),
        required=False,
    )
    email_milestones = forms.BooleanField(
        label=_("Also email milestone updates to signers (only when the mailing limit allows)"),
        required=False,
    )
