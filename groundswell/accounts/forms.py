from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from groundswell.accounts.models import Membership
from groundswell.core.forms import Form, LineField


class SignUpForm(Form):
    name = LineField(max_length=150, label=_("Your name"))
    email = forms.EmailField(label=_("Email"), max_length=254)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    organisation_name = LineField(
        max_length=150, label=_("Organisation"), help_text=_("The group your campaigns speak for.")
    )

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class InvitedSignUpForm(Form):
    name = LineField(max_length=150, label=_("Your name"))
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "inactive": _("Please confirm your email address first: follow the link we sent you."),
    }


class InviteForm(Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.EDITOR
    )


class CodeForm(Form):
    code = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "autofocus": True}
        ),
    )


class PasswordResetForm(Form):
    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autofocus": True})
    )


class NewPasswordForm(SetPasswordForm):
    """New password twice, checked by the validators; the action saves it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ChangePasswordForm(NewPasswordForm, PasswordChangeForm):
    """Current password, then the new one twice; the action saves it."""


class EmailChangeForm(Form):
    new_email = forms.EmailField(max_length=254, label=_("New email address"))
    password = forms.CharField(
        label=_("Your current password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your current password."), code="wrong")
        return password


class SetupCodeForm(Form):
    code = forms.CharField(
        label=_("The six-digit code your app shows now"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _months_after_closing(n: int) -> str:
    return ngettext(
        "%(n)d month after a petition closes", "%(n)d months after a petition closes", n
    ) % {"n": n}


_months_after_closing_lazy = lazy(_months_after_closing, str)  # in the reader's language


class RetentionForm(Form):
    signer_retention_months = forms.TypedChoiceField(
        label=_("Remove signers' names, emails, postcodes and comments"),
        coerce=int,
        choices=[(n, _months_after_closing_lazy(n)) for n in (1, 3, 6, 12, 24)],
    )
