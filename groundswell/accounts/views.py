from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from groundswell.accounts import actions
from groundswell.accounts.access import organisation_for_member, organisation_for_owner
from groundswell.accounts.forms import InvitedSignUpForm, InviteForm, LoginForm, SignUpForm
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
    messages.success(request, "Your email address is confirmed. Welcome!")
    return redirect("accounts:home")


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        try:
            ratelimit.limit_by_ip(
                request, group="login", rate=settings.GROUNDSWELL["LOGIN_RATE_PER_IP"]
            )
        except ratelimit.RateLimited as limit:
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, limit.message)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


@login_required
def home(request):
    organisations = request.user.organisations.prefetch_related("petitions")
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
        },
    )


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
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
    else:
        messages.error(request, "Enter a valid email address to invite.")
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
                messages.success(request, f"You are now a member of {invitation.organisation}.")
                return redirect(invitation.organisation)
    return render(
        request, "accounts/accept_invitation.html", {"invitation": invitation, "form": form}
    )
