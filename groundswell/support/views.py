"""The help programme's pages: seekers (no account), advisers (two factors), coordinators.

Receipt codes only ever arrive in a POST body. Views never log; errors name no content.
"""

import base64
from functools import wraps

import segno
from django.conf import settings
from django.contrib.auth import login, logout
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from groundswell.accounts import throttle
from groundswell.accounts.models import User
from groundswell.core import ratelimit
from groundswell.core.errors import ActionError, LinkInvalid
from groundswell.support import actions, forms, keyring, reading
from groundswell.support.access import (
    SignInRequired,
    adviser_for,
    adviser_for_coordinator,
    coordinated_organisations,
    match_for_adviser,
    match_for_seeker,
    programme_for_coordinator,
    programme_for_seekers,
    seeker_for,
)
from groundswell.support.models import HelpRequest, Match, Message, Programme

RATES = {
    "intake": ("SUPPORT_INTAKE_RATE", "5/h"),
    "receipt": ("SUPPORT_RECEIPT_RATE", "10/h"),
    "login": ("SUPPORT_LOGIN_RATE", "10/10m"),
}


def _visitor(request) -> str:
    """The middleware's daily-changing hash of the address: what limits here key on."""
    return getattr(request, "support_visitor_key", "unknown")


def _limit(request, group: str) -> None:
    """Rate limits keyed on the middleware's daily-changing hash of the address, never on it."""
    setting, default = RATES[group]
    ratelimit.check(
        request,
        group=f"support-{group}",
        rate=getattr(settings, setting, default),
        value=_visitor(request),
    )


def signed_in(view):
    """Send a visitor who is not signed in (as a seeker, adviser or member) to sign in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except SignInRequired as missing:
            if missing.where == "accounts:login":
                return redirect(f"{reverse(missing.where)}?next={request.path}")
            return redirect(missing.where)

    return wrapper


# --- Seekers --------------------------------------------------------------------------------


def index(request):
    programmes = Programme.objects.filter(status__in=Programme.ACCEPTS_REQUESTS)
    return render(request, "support/index.html", {"programmes": programmes})


def programme(request, slug):
    return render(request, "support/programme.html", {"programme": programme_for_seekers(slug)})


def intake(request, slug):
    programme = programme_for_seekers(slug)
    form = forms.IntakeForm(request.POST or None, programme=programme)
    context = {"programme": programme, "form": form}
    if not programme.accepts_requests:
        return render(request, "support/programme.html", context, status=409)
    if request.method != "POST":
        return render(request, "support/intake.html", context)
    if not form.is_valid():
        return render(request, "support/intake.html", context, status=422)
    if form.is_bot:
        form.add_error("website", _("Please leave this field empty."))
        return render(request, "support/intake.html", context, status=422)
    try:
        _limit(request, "intake")
        created = actions.submit_request(programme=programme, intake=form.intake())
    except ratelimit.RateLimited as limit:
        form.add_error(None, limit.message)
        return render(request, "support/intake.html", context, status=429)
    except ActionError as error:
        form.add_error(None, error.message)
        return render(request, "support/intake.html", context, status=error.status)
    response = redirect("support:receipt")
    keyring.start_seeker_session(response, created.request, created.key, created.receipt)
    return response


def _speak_to(request, seeker) -> None:
    """A signed-in seeker's pages, errors and notices are in the language stored with their
    request (models.page_language_for), whatever the browser they come back with says."""
    language = seeker.request.page_language_or_default()
    translation.activate(language)
    request.LANGUAGE_CODE = language


@signed_in
def receipt(request):
    seeker = seeker_for(request)
    _speak_to(request, seeker)
    code = keyring.receipt_to_show(request)
    form = forms.ReceiptSavedForm(request.POST or None)
    if not code or (request.method == "POST" and form.is_valid()):
        keyring.forget_receipt(request)
        return redirect("support:request")
    status = 422 if request.method == "POST" else 200
    context = {"programme": seeker.request.programme, "receipt": code, "form": form}
    return render(request, "support/receipt.html", context, status=status)


def return_with_receipt(request):
    form = forms.ReceiptForm(request.POST or None)
    if request.method != "POST":
        return render(request, "support/return.html", {"form": form})
    try:
        _limit(request, "receipt")
    except ratelimit.RateLimited as limit:
        form.is_valid()
        form.add_error(None, limit.message)
        return render(request, "support/return.html", {"form": form}, status=429)
    if form.is_valid():
        try:
            help_request, key = actions.open_request(receipt=form.cleaned_data["receipt"])
        except ActionError as error:
            form.add_error("receipt", error.message)  # its widget never echoes the code
        else:
            response = redirect("support:request")
            keyring.start_seeker_session(response, help_request, key)
            return response
    return render(request, "support/return.html", {"form": form}, status=422)


def _seeker_page(request, seeker, *, status=200, error="", **forms_):
    help_request = seeker.request
    live = help_request.live_match()
    matches = help_request.matches.select_related("adviser").order_by("-pk")
    contact = reading.contact_for_seeker(help_request, seeker.key)
    conversations = [
        (match, reading.conversation_for_seeker(match, seeker.key))
        for match in matches
        if match.seeker_conversation_key is not None
    ]
    context = {
        "programme": help_request.programme,
        "help_request": help_request,
        "story": reading.story(help_request, seeker.private_key),
        "contact": contact,
        "live": live,
        "conversations": conversations,
        "error": error,
        "message_form": forms_.get("message_form") or forms.MessageForm(),
        "reveal_form": forms_.get("reveal_form") or forms.RevealForm(initial={"contact": contact}),
        "close_form": forms_.get("close_form") or forms.CloseForm(),
        "delete_form": forms_.get("delete_form") or forms.DeleteForm(),
        "language_form": forms_.get("language_form")
        or forms.PageLanguageForm(initial={"language": help_request.page_language_or_default()}),
    }
    return render(request, "support/request.html", context, status=status)


@signed_in
def request_page(request):
    seeker = seeker_for(request)
    _speak_to(request, seeker)
    return _seeker_page(request, seeker)


def _accepted_match(seeker) -> Match:
    match = seeker.request.live_match()
    if match is None or match.status not in Match.READABLE:
        raise actions.Conflict(_("You have no adviser at the moment."))
    return match_for_seeker(seeker, match.pk)


def seeker_action(form_class=None, form_name=""):
    """A POST on the seeker's own request: sign-in, form, action, then their page again."""

    def decorate(act):
        @require_POST
        @signed_in
        @wraps(act)
        def view(request):
            seeker = seeker_for(request)
            _speak_to(request, seeker)
            form = form_class(request.POST) if form_class else None
            if form is not None and not form.is_valid():
                return _seeker_page(request, seeker, status=422, **{form_name: form})
            try:
                response = act(request, seeker, form)
            except ActionError as error:
                return _seeker_page(request, seeker, status=error.status, error=error.message)
            return response or redirect("support:request")

        return view

    return decorate


@seeker_action()
def request_accept(request, seeker, form):
    match = match_for_seeker(seeker, request.POST.get("match"))
    actions.accept_adviser(match=match, seeker_key=seeker.key)


@seeker_action()
def request_another(request, seeker, form):
    actions.ask_for_another(match=match_for_seeker(seeker, request.POST.get("match")))


@seeker_action(forms.PageLanguageForm, "language_form")
def request_language(request, seeker, form):
    actions.set_page_language(help_request=seeker.request, language=form.cleaned_data["language"])


@seeker_action(forms.MessageForm, "message_form")
def request_message(request, seeker, form):
    match = _accepted_match(seeker)
    actions.send_message(match=match, author=Message.Author.SEEKER, body=form.cleaned_data["body"])


@seeker_action(forms.RevealForm, "reveal_form")
def request_reveal(request, seeker, form):
    match = _accepted_match(seeker)
    actions.reveal_contact(match=match, seeker_key=seeker.key, contact=form.cleaned_data["contact"])


@seeker_action(forms.CloseForm, "close_form")
def request_close(request, seeker, form):
    actions.close_request(help_request=seeker.request)


@seeker_action(forms.DeleteForm, "delete_form")
def request_delete(request, seeker, form):
    programme = seeker.request.programme
    actions.delete_request(help_request=seeker.request)
    response = render(request, "support/deleted.html", {"programme": programme})
    keyring.end_seeker_session(request, response)
    return response


@require_POST
def request_leave(request):
    response = redirect("support:index")
    keyring.end_seeker_session(request, response)
    return response


# --- Advisers: signing in -------------------------------------------------------------------


def _signed_in_adviser(request, signed, *, then: str):
    login(request, signed.user)
    if signed.device is not None:
        otp_login(request, signed.device)
    response = redirect(then if signed.device is not None else "support:adviser_two_factor")
    keyring.remember_adviser_key(request, response, signed.private_key, signed.recovery_code)
    return response


def adviser_login(request):
    form = forms.AdviserLoginForm(request.POST or None)
    if request.method != "POST":
        return render(request, "support/adviser_login.html", {"form": form})
    try:
        _limit(request, "login")
    except ratelimit.RateLimited as limit:
        form.add_error(None, limit.message)
        return render(request, "support/adviser_login.html", {"form": form}, status=429)
    if form.is_valid():
        email, visitor = form.cleaned_data["email"], _visitor(request)
        try:
            throttle.check(email, visitor)
            signed = actions.log_in_adviser(**form.cleaned_data)
        except ratelimit.RateLimited as limit:
            form.add_error(None, limit.message)
            return render(request, "support/adviser_login.html", {"form": form}, status=429)
        except ActionError as error:
            locked = throttle.failed(email, visitor)
            form.add_error(None, throttle.LOCKED if locked else error.message)
        else:
            throttle.succeeded(email, visitor)
            return _signed_in_adviser(request, signed, then="support:adviser_home")
    return render(request, "support/adviser_login.html", {"form": form}, status=422)


def adviser_recover(request):
    form = forms.RecoverForm(request.POST or None)
    if request.method != "POST":
        return render(request, "support/adviser_recover.html", {"form": form})
    try:
        _limit(request, "login")
    except ratelimit.RateLimited as limit:
        form.add_error(None, limit.message)
        return render(request, "support/adviser_recover.html", {"form": form}, status=429)
    if form.is_valid():
        try:
            signed = actions.recover_adviser_key(**form.cleaned_data)
        except ActionError as error:
            form.add_error(None, error.message)
        else:
            return _signed_in_adviser(request, signed, then="support:adviser_recovery")
    return render(request, "support/adviser_recover.html", {"form": form}, status=422)


@require_POST
def adviser_logout(request):
    logout(request)
    response = redirect("support:adviser_login")
    keyring.forget_adviser_key(request, response)
    return response


def adviser_join(request, token):
    try:
        adviser = actions.adviser_from_token(token)
    except LinkInvalid as error:
        return render(request, "core/link_error.html", {"error": error}, status=error.status)
    existing = User.objects.filter(email=adviser.email).exists()
    form = forms.JoinForm(request.POST or None, existing_account=existing)
    context = {"adviser": adviser, "programme": adviser.programme, "form": form}
    if request.method != "POST":
        return render(request, "support/adviser_join.html", context)
    if form.is_valid():
        try:
            enrolment = actions.join_as_adviser(token=token, **form.cleaned_data)
        except ActionError as error:
            form.add_error(None, error.message)
        else:
            login(request, enrolment.user)
            then = (
                "support:adviser_recovery"
                if enrolment.recovery_code
                else "support:adviser_two_factor"
            )
            response = redirect(then)
            keyring.remember_adviser_key(
                request, response, enrolment.private_key, enrolment.recovery_code
            )
            return response
    return render(request, "support/adviser_join.html", context, status=422)


def _require_adviser_key(request) -> None:
    """Set-up pages: a user who has just given their password (the key is unlocked)."""
    if not request.user.is_authenticated or keyring.adviser_private_key(request) is None:
        raise SignInRequired("support:adviser_login")


@signed_in
def adviser_recovery(request):
    _require_adviser_key(request)
    code = keyring.recovery_to_show(request)
    form = forms.RecoverySavedForm(request.POST or None)
    if not code or (request.method == "POST" and form.is_valid()):
        keyring.forget_recovery(request)
        return redirect("support:adviser_two_factor")
    status = 422 if request.method == "POST" else 200
    return render(
        request, "support/adviser_recovery.html", {"code": code, "form": form}, status=status
    )


@signed_in
def adviser_two_factor(request):
    _require_adviser_key(request)
    if request.user.is_verified():
        return redirect("support:adviser_home")
    device = actions.two_factor_device(request.user)
    form = forms.TwoFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = actions.confirm_two_factor(user=request.user, code=form.cleaned_data["code"])
        except ActionError as error:
            form.add_error("code", error.message)
        else:
            otp_login(request, device)
            return redirect("support:adviser_home")
    context = {
        "form": form,
        "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2),
        "secret": base64.b32encode(device.bin_key).decode(),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "support/adviser_two_factor.html", context, status=status)


# --- Advisers: their requests ---------------------------------------------------------------


@signed_in
def adviser_home(request):
    adviser = adviser_for(request)
    matches = (
        Match.objects.filter(adviser__user=adviser.user, status__in=Match.LIVE)
        .select_related("request__programme", "adviser")
        .order_by("status", "-pk")
    )
    return render(request, "support/adviser_home.html", {"matches": matches})


def _adviser_page(request, adviser, match, *, status=200, error="", message_form=None):
    context = {"match": match, "profile": match.request.coarse_profile(), "error": error}
    if match.is_readable:
        key = adviser.private_key
        context |= {
            "story": reading.story_for_adviser(match, key),
            "conversation": reading.conversation_for_adviser(match, key),
            "contact": reading.contact_for_adviser(match, key),
            "message_form": message_form or forms.MessageForm(),
        }
    return render(request, "support/adviser_match.html", context, status=status)


@signed_in
def adviser_match(request, code):
    adviser = adviser_for(request)
    return _adviser_page(request, adviser, match_for_adviser(adviser, code))


def adviser_action(act):
    @require_POST
    @signed_in
    @wraps(act)
    def view(request, code):
        adviser = adviser_for(request)
        match = match_for_adviser(adviser, code)
        try:
            return act(request, adviser, match) or redirect(match)
        except ActionError as error:
            return _adviser_page(request, adviser, match, status=error.status, error=error.message)

    return view


@adviser_action
def adviser_accept(request, adviser, match):
    actions.accept_offer(match=match)


@adviser_action
def adviser_decline(request, adviser, match):
    actions.decline_offer(match=match)
    return redirect("support:adviser_home")


@adviser_action
def adviser_hand_back(request, adviser, match):
    actions.hand_back(match=match)
    return redirect("support:adviser_home")


@adviser_action
def adviser_message(request, adviser, match):
    form = forms.MessageForm(request.POST)
    if not form.is_valid():
        return _adviser_page(request, adviser, match, status=422, message_form=form)
    actions.send_message(match=match, author=Message.Author.ADVISER, body=form.cleaned_data["body"])
    return None


# --- Coordinators ---------------------------------------------------------------------------


@signed_in
def coordinate_home(request):
    organisations = coordinated_organisations(request.user)
    programmes = Programme.objects.filter(organisation__in=organisations)
    form = forms.ProgrammeForm(request.POST or None, creating=True)
    form.fields["organisation"] = forms.organisation_field(organisations)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            created = actions.create_programme(by=request.user, **data)
            return redirect("support:coordinate_programme", slug=created.slug)
        status = 422
    context = {"programmes": programmes, "form": form}
    return render(request, "support/coordinate_home.html", context, status=status)


def _overview(programme) -> dict:
    """Counts and statuses: never a request, a story or a seeker."""
    requests = dict(
        HelpRequest.objects.filter(programme=programme)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        "request_counts": [
            (label, requests.get(value, 0)) for value, label in HelpRequest.Status.choices
        ],
        "advisers": programme.advisers.with_load().order_by("display_name"),
    }


@signed_in
def coordinate_programme(request, slug):
    programme = programme_for_coordinator(request.user, slug)
    actions.audit(actor=request.user, programme=programme, action="overview.viewed")
    return _coordinate_page(request, programme, forms.AdviserForm(inviting=True))


def _coordinate_page(request, programme, invite_form, status=200):
    context = {
        "programme": programme,
        "invite_form": invite_form,
        "audit_entries": programme.audit_entries.select_related("actor")[:30],
        **_overview(programme),
    }
    return render(request, "support/coordinate_programme.html", context, status=status)


@signed_in
def coordinate_edit(request, slug):
    programme = programme_for_coordinator(request.user, slug)
    initial = {name: getattr(programme, name) for name in actions.PROGRAMME_FIELDS}
    form = forms.ProgrammeForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            actions.update_programme(programme=programme, by=request.user, **form.cleaned_data)
            return redirect("support:coordinate_programme", slug=programme.slug)
        return render(
            request,
            "support/coordinate_edit.html",
            {"programme": programme, "form": form},
            status=422,
        )
    actions.audit(actor=request.user, programme=programme, action="settings.viewed")
    return render(request, "support/coordinate_edit.html", {"programme": programme, "form": form})


@require_POST
@signed_in
def coordinate_invite(request, slug):
    programme = programme_for_coordinator(request.user, slug)
    form = forms.AdviserForm(request.POST, inviting=True)
    if form.is_valid():
        try:
            actions.invite_adviser(programme=programme, by=request.user, **form.cleaned_data)
        except ActionError as error:
            form.add_error("email", error.message)
        else:
            return redirect("support:coordinate_programme", slug=slug)
    return _coordinate_page(request, programme, form, status=422)


@signed_in
def coordinate_adviser(request, slug, adviser_id):
    adviser = adviser_for_coordinator(request.user, slug, adviser_id)
    initial = {name: getattr(adviser, name) for name in (*actions.ADVISER_FIELDS, "status")}
    form = forms.AdviserForm(request.POST or None, initial=initial)
    context = {"programme": adviser.programme, "adviser": adviser, "form": form}
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.update_adviser(adviser=adviser, by=request.user, **form.cleaned_data)
            except ActionError as error:
                form.add_error("status", error.message)
            else:
                return redirect("support:coordinate_programme", slug=slug)
        return render(request, "support/coordinate_adviser.html", context, status=422)
    actions.audit(
        actor=request.user,
        programme=adviser.programme,
        action="adviser.viewed",
        detail=adviser.email,
    )
    return render(request, "support/coordinate_adviser.html", context)
