from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.core.forms import Form, LineField


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
    title_es = LineField(label=_("Title in Spanish (optional)"), max_length=200, required=False)
    body_es = forms.CharField(
        label=_("Text in Spanish (optional)"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "lang": "es"}),
    )

    def clean_title(self):
        title = self.cleaned_data["title"]
        if not title:
            raise forms.ValidationError(_("Give the update a title."))
        return title

    def clean(self):
        data = super().clean()
        if data.get("body_es") and not data.get("title_es"):
            self.add_error("title_es", _("Give the Spanish title too, or leave the Spanish empty."))
        if data.get("title_es") and not data.get("body_es"):
            self.add_error("body_es", _("Write the Spanish text too."))
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
