from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from groundswell.accounts.models import Membership
from groundswell.core.forms import Form


class SignUpForm(Form):
    name = forms.CharField(max_length=150, label="Your name")
    email = forms.EmailField(max_length=254)
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    organisation_name = forms.CharField(
        max_length=150, label="Organisation", help_text="The group your campaigns speak for."
    )

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class InvitedSignUpForm(Form):
    name = forms.CharField(max_length=150, label="Your name")
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "inactive": "Please confirm your email address first: follow the link we sent you.",
    }


class InviteForm(Form):
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.EDITOR)


class RetentionForm(Form):
    signer_retention_months = forms.TypedChoiceField(
        label="Remove signers' names, emails, postcodes and comments",
        coerce=int,
        choices=[(n, f"{n} months after a petition closes") for n in (1, 3, 6, 12, 24)],
    )
