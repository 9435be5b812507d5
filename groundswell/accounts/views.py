import base64
import time
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from groundswell.accounts import actions, throttle
from groundswell.accounts.access import (
    organisation_for_member,
    organisation_for_owner,
    require_two_factor,
)
from groundswell.accounts.forms import (
    ChangePasswordForm,
    CodeForm,
    EmailChangeForm,
    InvitedSignUpForm,
    InviteForm,
    LoginForm,
    NewPasswordForm,
    PasswordResetForm,
    RetentionForm,
    SetupCodeForm,
    SignUpForm,
)
from groundswell.accounts.models import User
from groundswell.core import ratelimit
from groundswell.core.errors import ActionError
from groundswell.moderation.access import is_moderator
from groundswell.petitions.models import Petition


def signup(request):
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ratelimit.limit_by_ip(
                request, group="signup", rate=settings.GROUNDSWELL["SIGNUP_RATE_PER_IP"]
            )
            actions.sign_up(**form.cleaned_data)
        except ratelimit.RateLimited as limit:
            form.add_error(None, limit.message)
            return render(request, "accounts/signup.html", {"form": form}, status=429)
        except ActionError as error:
            form.add_error("email", error.message)
        else:
            return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form})


def signup_done(request):
    return render(request, "accounts/signup_done.html")


def verify_email(request, token):
    try:
        user = actions.verify_email(token=token)
    except ActionError as error:
        return render(request, "core/link_error.html", {"error": error}, status=error.status)
    login(request, user)
    messages.success(request, _("Your email address is confirmed. Welcome!"))
    return redirect("accounts:home")


class LoginView(auth_views.LoginView):
    """Email and password, throttled per account and address (accounts/throttle.py)."""

    authentication_form = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        email, ip = request.POST.get("username", ""), ratelimit.client_ip(request)
        form = self.get_form()
        try:
            ratelimit.limit_by_ip(
                request, group="login", rate=settings.GROUNDSWELL["LOGIN_RATE_PER_IP"]
            )
            throttle.check(email, ip)
        except ratelimit.RateLimited as limit:
            return self._refuse(form, limit.message)
        if form.is_valid():
            throttle.succeeded(email, ip)
            return self.form_valid(form)
        if form.has_error(NON_FIELD_ERRORS, "invalid_login") and throttle.failed(email, ip):
            return self._refuse(form, throttle.LOCKED)
        return self.form_invalid(form)

    def form_valid(self, form):
        """Right password. With a second factor set up, that comes next, before any login."""
        user = form.get_user()
        if user.has_two_factor():
            self.request.session[PENDING_LOGIN] = {
                "user": user.pk,
                "backend": user.backend,
                "at": time.time(),
                "next": self.get_success_url(),
            }
            return redirect("accounts:login_code")
        response = super().form_valid(form)
        if user.needs_two_factor():  # asked at once: the pages they need are closed without it
            return _to_two_factor(self.get_success_url())
        return response

    def _refuse(self, form, message: str):
        form.errors.clear()
        form.add_error(None, message)
        return self.render_to_response(self.get_context_data(form=form), status=429)


PENDING_LOGIN = "accounts.pending_login"
PENDING_SECONDS = 300


def _to_two_factor(then: str):
    return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': then})}")


def _safe_next(request, default: str = "accounts:home") -> str:
    then = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        then, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return then
    return reverse(default)


def _second_factor(request, user, form):
    """Check the form's code for ``user``, throttled like passwords: the device, or None."""
    ip = ratelimit.client_ip(request)
    try:
        throttle.check(user.email, ip)
        device = actions.check_second_factor(user=user, code=form.cleaned_data["code"])
    except ratelimit.RateLimited as limit:
        form.add_error(None, limit.message)
        return None
    except ActionError as error:
        form.add_error(
            "code", throttle.LOCKED if throttle.failed(user.email, ip) else error.message
        )
        return None
    throttle.succeeded(user.email, ip)
    if isinstance(device, StaticDevice):
        left = device.token_set.count()
        messages.warning(
            request,
            ngettext(
                "You logged in with a recovery code; %(left)d left. Make new ones on your "
                "security page, and set up your authenticator again if you lost it.",
                "You logged in with a recovery code; %(left)d left. Make new ones on your "
                "security page, and set up your authenticator again if you lost it.",
                left,
            )
            % {"left": left},
        )
    return device


def login_code(request):
    """The second step of logging in: a code from the authenticator, or a recovery code."""
    pending = request.session.get(PENDING_LOGIN)
    user = pending and User.objects.filter(pk=pending["user"], is_active=True).first()
    if not user or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_LOGIN, None)
        messages.error(request, _("Please log in again: that took too long."))
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = _second_factor(request, user, form)
        if device is not None:
            del request.session[PENDING_LOGIN]
            login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return redirect(pending["next"])
    status = 200 if request.method == "GET" else 422
    return render(request, "accounts/login_code.html", {"form": form}, status=status)


@login_required
def two_factor(request):
    """Give the second factor this session lacks, or set one up; then back to the page."""
    then = _safe_next(request)
    if request.user.is_verified():
        return redirect(then)
    if request.user.has_two_factor():
        form = CodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            device = _second_factor(request, request.user, form)
            if device is not None:
                otp_login(request, device)
                return redirect(then)
        status = 200 if request.method == "GET" else 422
        context = {"form": form, "next": then}
        return render(request, "accounts/two_factor_verify.html", context, status=status)
    return _set_up_two_factor(request, then)


def _set_up_two_factor(request, then: str):
    device = actions.two_factor_device(user=request.user)
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = actions.confirm_two_factor(
                user=request.user, code=form.cleaned_data["code"]
            )
        except ActionError as error:
            form.add_error("code", error.message)
        else:
            otp_login(request, device)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": then})
    context = {
        "form": form,
        "next": then,
        "required": request.user.needs_two_factor(),
        "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2),
        "secret": base64.b32encode(device.bin_key).decode(),
    }
    status = 200 if request.method == "GET" else 422
    return render(request, "accounts/two_factor_setup.html", context, status=status)


def unlock(request, token):
    try:
        actions.unlock_login(token=token)
    except ActionError as error:
        return render(request, "core/link_error.html", {"error": error}, status=error.status)
    messages.success(request, _("Your account is unlocked. Log in now."))
    return redirect("accounts:login")


@login_required
def home(request):
    organisations = request.user.organisations.prefetch_related("petitions", "writing_campaigns")
    moderator = is_moderator(request.user)
    if moderator and not organisations:
        return redirect("moderation:home")  # a moderator's dashboard is the staff home
    context = {"organisations": organisations, "is_moderator": moderator}
    return render(request, "accounts/home.html", context)


@login_required
def organisation(request, slug):
    organisation = organisation_for_member(request.user, slug)
    return render(
        request,
        "accounts/organisation.html",
        {
            "organisation": organisation,
            "memberships": organisation.memberships.select_related("user"),
            "invitations": organisation.invitations.filter(accepted_at__isnull=True),
            "is_owner": organisation.role_of(request.user) == "owner",
            "petitions": Petition.objects.filter(organisation=organisation),
            "form": InviteForm(),
            "retention_form": RetentionForm(
                initial={"signer_retention_months": organisation.signer_retention_months}
            ),
        },
    )


@login_required
@require_POST
def retention(request, slug):
    organisation = organisation_for_owner(request.user, slug)
    form = RetentionForm(request.POST)
    if form.is_valid():
        actions.set_signer_retention(
            organisation=organisation, months=form.cleaned_data["signer_retention_months"]
        )
        messages.success(
            request, _("Saved: the dashboards of closed petitions show the new dates.")
        )
    else:
        messages.error(request, _("Choose one of the periods offered."))
    return redirect(organisation)


@login_required
@require_POST
def invite(request, slug):
    organisation = organisation_for_owner(request.user, slug)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            actions.invite_member(
                organisation=organisation, invited_by=request.user, **form.cleaned_data
            )
        except ActionError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
    else:
        messages.error(request, _("Enter a valid email address to invite."))
    return redirect(organisation)


def accept_invitation(request, token):
    try:
        invitation = actions.invitation_from_token(token)
    except ActionError as error:
        return render(request, "core/link_error.html", {"error": error}, status=error.status)
    form = InvitedSignUpForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                actions.accept_invitation(token=token, user=request.user)
                user = request.user
            elif form.is_valid():
                user = actions.sign_up_from_invitation(token=token, **form.cleaned_data)
                login(request, user)
            else:
                user = None
        except ActionError as error:
            messages.error(request, error.message)
        else:
            if user is not None:
                messages.success(
                    request,
                    _("You are now a member of %(organisation)s.")
                    % {"organisation": invitation.organisation},
                )
                return redirect(invitation.organisation)
    return render(
        request, "accounts/accept_invitation.html", {"invitation": invitation, "form": form}
    )


# --- Forgotten password ---------------------------------------------------------------------


def password_reset(request):
    """Ask for a reset link. The answer is the same whether or not the address has an account."""
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        limits = settings.GROUNDSWELL
        try:
            ratelimit.limit_by_ip(
                request, group="password-reset", rate=limits["PASSWORD_RESET_RATE_PER_IP"]
            )
            ratelimit.check(
                request,
                group="password-reset-email",
                rate=limits["PASSWORD_RESET_RATE_PER_EMAIL"],
                value=email.strip().lower(),
            )
        except ratelimit.RateLimited as limit:
            form.add_error(None, limit.message)
            return render(request, "accounts/password_reset.html", {"form": form}, status=429)
        actions.request_password_reset(email=email)
        return redirect("accounts:password_reset_sent")
    status = 422 if request.method == "POST" else 200
    return render(request, "accounts/password_reset.html", {"form": form}, status=status)


def password_reset_sent(request):
    return render(request, "accounts/password_reset_sent.html")


def password_reset_confirm(request, token):
    try:
        user = actions.user_for_password_reset(token)
    except ActionError as error:
        return render(request, "core/link_error.html", {"error": error}, status=error.status)
    form = NewPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.reset_password(token=token, password=form.cleaned_data["new_password1"])
        except ActionError as error:
            return render(request, "core/link_error.html", {"error": error}, status=error.status)
        messages.success(request, _("Your password is changed. Log in with it now."))
        return redirect("accounts:login")
    status = 422 if request.method == "POST" else 200
    return render(request, "accounts/password_reset_confirm.html", {"form": form}, status=status)


# --- The security page: email, password, two-factor, sessions ------------------------------


def _security_page(request, *, status=200, **forms_):
    user = request.user
    current = request.session.get(actions.SESSION_RECORD)
    context = {
        "password_form": forms_.get("password_form") or ChangePasswordForm(user),
        "email_form": forms_.get("email_form") or EmailChangeForm(user=user),
        "has_two_factor": user.has_two_factor(),
        "needs_two_factor": user.needs_two_factor(),
        "recovery_codes_left": StaticToken.objects.filter(device__user=user).count(),
        "sessions": user.account_sessions.all(),
        "current_session": current,
    }
    return render(request, "accounts/security.html", context, status=status)


@login_required
def security(request):
    return _security_page(request)


@login_required
@require_POST
def change_password(request):
    form = ChangePasswordForm(request.user, request.POST)
    email, ip = request.user.email, ratelimit.client_ip(request)
    try:
        throttle.check(email, ip)
    except ratelimit.RateLimited as limit:
        form.is_valid()
        form.add_error(None, limit.message)
        return _security_page(request, status=429, password_form=form)
    if not form.is_valid():
        if form.has_error("old_password", "password_incorrect"):
            throttle.failed(email, ip)
        return _security_page(request, status=422, password_form=form)
    actions.change_password(
        user=request.user,
        password=form.cleaned_data["new_password1"],
        current_session=request.session.get(actions.SESSION_RECORD),
    )
    update_session_auth_hash(request, request.user)  # this browser stays logged in
    messages.success(request, _("Your password is changed. Every other browser is logged out."))
    return redirect("accounts:security")


@login_required
@require_POST
def change_email(request):
    form = EmailChangeForm(request.POST, user=request.user)
    if not form.is_valid():
        return _security_page(request, status=422, email_form=form)
    try:
        actions.request_email_change(user=request.user, new_email=form.cleaned_data["new_email"])
    except ActionError as error:
        form.add_error("new_email", error.message)
        return _security_page(request, status=error.status, email_form=form)
    messages.success(
        request,
        _("We have sent a link to %(email)s. Your address changes when you follow it.")
        % {"email": form.cleaned_data["new_email"]},
    )
    return redirect("accounts:security")


def confirm_email_change(request, token):
    try:
        user = actions.change_email(token=token)
    except ActionError as error:
        return render(request, "core/link_error.html", {"error": error}, status=error.status)
    messages.success(
        request, _("Your account's email address is now %(email)s.") % {"email": user.email}
    )
    return redirect("accounts:security" if request.user.is_authenticated else "accounts:login")


@login_required
@require_POST
def revoke_session(request, record_id):
    try:
        actions.revoke_session(user=request.user, record_id=record_id)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("That browser is logged out."))
    return redirect("accounts:security")


@login_required
@require_POST
def end_other_sessions(request):
    ended = actions.end_other_sessions(
        user=request.user, keep=request.session.get(actions.SESSION_RECORD)
    )
    messages.success(
        request,
        ngettext("Logged out of %(n)d other browser.", "Logged out of %(n)d other browsers.", ended)
        % {"n": ended},
    )
    return redirect("accounts:security")


@login_required
@require_POST
def new_recovery_codes(request):
    require_two_factor(request.user)
    codes = actions.new_recovery_codes(user=request.user)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": reverse("accounts:security")},
    )


@login_required
@require_POST
def turn_off_two_factor(request):
    require_two_factor(request.user)  # a stolen session alone cannot turn it off
    try:
        actions.turn_off_two_factor(user=request.user)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Two-factor login is off."))
    return redirect("accounts:security")
