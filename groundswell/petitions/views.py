import csv
import re
from functools import partial

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_POST

from groundswell.core import i18n, ratelimit
from groundswell.core.emails import absolute
from groundswell.core.errors import ActionError
from groundswell.core.origin import same_origin_post
from groundswell.moderation import actions as moderation
from groundswell.moderation import views as moderation_views
from groundswell.petitions import actions, charts, insights, sharing
from groundswell.petitions.access import (
    PetitionRemoved,
    petition_for_edit,
    petition_for_export,
    petition_for_insights,
    petition_for_signing,
    petition_for_viewing,
)
from groundswell.petitions.forms import (
    PetitionForm,
    SignatureForm,
    TargetFormSet,
    directory_choices,
)
from groundswell.petitions.models import Petition, Signature
from groundswell.targets.actions import delivery_addresses

REF_CODE = re.compile(r"[A-Za-z0-9_-]{1,16}")

# --- Public pages ---------------------------------------------------------------------------


def _supporters(petition: Petition) -> dict:
    """Recent named signers and comments, shared by every viewer for a few seconds.

    They change only when the count does, so the count is part of the key.
    """
    cache = caches["local"]
    key = f"petition-supporters:{petition.pk}:{petition.signature_count}"
    supporters = cache.get(key)
    if supporters is None:
        signatures = Signature.objects.filter(petition=petition)
        supporters = {
            "recent": list(signatures.recent_public().values("name", "country", "confirmed_at")),
            "comments": [
                {
                    "id": s.pk,
                    "name": s.public_name,
                    "comment": s.comment,
                    "confirmed_at": s.confirmed_at,
                }
                for s in signatures.recent_comments().only(
                    "name", "show_name", "comment", "confirmed_at"
                )
            ],
            # "N signatures removed as invalid" (groundswell/moderation), with the date.
            "invalidations": moderation.public_invalidations(petition.pk),
        }
        cache.set(key, supporters, 5)
    return supporters


def _share_context(petition: Petition, ref_code: str = "") -> dict:
    ref = f"?ref={ref_code}" if ref_code else ""
    url = _petition_url(petition, ref_code)
    mastodon = reverse("petitions:share_mastodon", args=[petition.slug]) + ref
    return {
        "share_url": sharing.with_source(url, "link"),
        "share_links": sharing.share_links(
            url=url, title=petition.text.title, mastodon_path=i18n.with_language(mastodon)
        ),
        "qr_path": i18n.with_language(reverse("petitions:qr", args=[petition.slug]) + ref),
    }


def _growth(petition: Petition) -> dict | None:
    """The public chart and projection for the petition page, if the organiser shows them.

    Shared by every viewer for a minute: the tallies move once a minute anyway.
    """
    if not petition.insights_public:
        return None
    cache = caches["local"]
    key = f"petition-growth:{petition.pk}:{translation.get_language()}"
    growth = cache.get(key)
    if growth is None:
        found = insights.for_petition(petition, count=petition.signature_count, private=False)
        # By day over the whole life once it has a few days; by hour while it is young.
        buckets = found.by_day() if found.days else found.hours
        growth = {
            "projection": found.projection,
            "chart": charts.bar_chart(buckets) if buckets else None,
        }
        cache.set(key, growth, 60)
    return growth


def _detail_context(request, petition: Petition, form: SignatureForm) -> dict:
    return {
        "growth": _growth(petition),
        "petition": petition,
        "targets": petition.targets.all(),
        "form": form,
        "canonical_url": absolute(petition.get_absolute_url()),
        # The form posts in the page's language, even when only ?lang= chose it.
        "sign_action": i18n.with_language(reverse("petitions:sign", args=[petition.slug])),
        "petition_languages": [
            code for code, _name in settings.LANGUAGES if petition.has_version(code)
        ],
        "can_edit": petition.organisation.role_of(request.user) is not None,
        **_supporters(petition),
        **_share_context(petition),
    }


@require_GET
def detail(request, slug):
    try:
        petition = petition_for_viewing(request.user, slug)
    except PetitionRemoved as removed:
        return moderation_views.removed_petition(request, removed.petition)
    if petition.is_letter:  # an open letter has its own page (groundswell/letters)
        return redirect(petition.get_absolute_url(), permanent=True)
    form = SignatureForm(
        initial={
            "ref": _clean_ref(request.GET.get("ref", "")),
            "src": sharing.clean_source(request.GET.get("src", "")),
        }
    )
    response = render(request, "petitions/detail.html", _detail_context(request, petition, form))
    if not request.user.is_authenticated:
        # The same page for every anonymous visitor: the sign form carries no CSRF token
        # (core/origin.py), so a proxy, or core/edge.MicroCache, may share it for a moment.
        patch_cache_control(response, public=True, max_age=1, stale_while_revalidate=9)
    return response


def _sign_form_again(request, slug: str, form: SignatureForm, status: int):
    """The petition page with the signer's form and its errors, nothing they typed lost."""
    petition = petition_for_viewing(request.user, slug)
    return render(
        request, "petitions/detail.html", _detail_context(request, petition, form), status=status
    )


@require_POST
@same_origin_post
def sign(request, slug):
    petition = petition_for_signing(request.user, slug)
    form = SignatureForm(request.POST)
    if not form.is_valid():
        return signing_answer(request, slug, actions.Signed(actions.Outcome.INVALID), form=form)
    if form.is_bot:
        return redirect(_thanks_path(slug))
    ip = ratelimit.client_ip(request)
    try:
        signer = form.signer(language=translation.get_language())
        signed = actions.sign_attempt(petition=petition, signer=signer, ip=ip)
    except ActionError as error:
        form.add_error(None, error.message)
        return _sign_form_again(request, slug, form, error.status)
    return signing_answer(request, slug, signed)


def signing_answer(request, slug: str, signed: actions.Signed, form: SignatureForm | None = None):
    """The answer to a sign form, whatever became of it: by the view above, and by the fast
    path (petitions/fastpath.py) through Django's middleware."""
    if signed.recorded:
        return redirect(_thanks_path(slug))
    if form is None:
        form = SignatureForm(request.POST)
        form.is_valid()  # what they typed, shown again
    if signed.message:
        form.add_error(None, signed.message)
    return _sign_form_again(request, slug, form, signed.status)


def _thanks_path(slug: str) -> str:
    """In the language the form was read in, when a link named it (?lang=es)."""
    return i18n.with_language(reverse("petitions:thanks", args=[slug]))


@require_GET
def thanks(request, slug):
    petition = petition_for_viewing(request.user, slug)
    return render(
        request, "petitions/thanks.html", {"petition": petition, **_share_context(petition)}
    )


@require_GET
def confirm(request, token):
    try:
        signature = actions.confirm_signature(token=token)
        status = 200
    except actions.AlreadyConfirmed as already:
        signature, status = already.signature, already.status
        messages.info(request, already.message)
    except ActionError as error:
        return render(request, "core/link_error.html", {"error": error}, status=error.status)
    return _confirmed_page(request, signature, status)


def confirmed_page(request, *, ref_code: str):
    """The page for a link the fast path has just confirmed (petitions/fastpath.py)."""
    signature = Signature.objects.select_related("petition").get(ref_code=ref_code)
    return _confirmed_page(request, signature)


def confirmed_page_with_stand_ins(request, *, petition_id: int, name: str, ref_code: str):
    """The confirmed page with stand-ins for the signer's name and referral code, which the
    fast path fills in for each signer (fastpath.ConfirmedPages)."""
    petition = Petition.objects.get(pk=petition_id)
    return _confirmed_page(request, Signature(petition=petition, name=name, ref_code=ref_code))


def _confirmed_page(request, signature: Signature, status: int = 200):
    petition = signature.petition
    context = {
        "petition": petition,
        "signature": signature,
        **_share_context(petition, signature.ref_code),
    }
    response = render(request, "petitions/confirmed.html", context, status=status)
    patch_cache_control(response, private=True, no_store=True)  # their own referral link
    return response


def _clean_ref(value: str) -> str:
    """A referral code from a URL, or "" if it cannot be one."""
    return value if REF_CODE.fullmatch(value) else ""


def _petition_url(petition: Petition, ref: str = "") -> str:
    """The petition's address to share: in the language the sharer read it in (?lang=es)."""
    return absolute(
        i18n.with_language(petition.get_absolute_url() + (f"?ref={ref}" if ref else ""))
    )


@require_GET
def qr(request, slug):
    petition = petition_for_viewing(request.user, slug)
    ref = _clean_ref(request.GET.get("ref", ""))
    url = sharing.with_source(_petition_url(petition, ref), "qr")
    response = HttpResponse(sharing.qr_svg(url), content_type="image/svg+xml")
    patch_cache_control(response, public=True, max_age=86400)
    return response


@require_GET
def share_mastodon(request, slug):
    petition = petition_for_viewing(request.user, slug)
    ref = _clean_ref(request.GET.get("ref", ""))
    instance = request.GET.get("instance", "")
    context = {"petition": petition, "ref": ref, "instance": instance, "error": ""}
    if instance:
        url = sharing.with_source(_petition_url(petition, ref), "mastodon")
        share = sharing.mastodon_share(instance, url=url, title=petition.text.title)
        if share:
            # Never a bare redirect: anyone can put any name in this link, so the visitor
            # sees where it goes and chooses to go (no open redirect through our domain).
            server, target = share
            context.update(server=server, target=target)
            return render(request, "petitions/share_mastodon_confirm.html", context)
        context["error"] = _(
            "That does not look like a Mastodon server name, such as mastodon.social."
        )
    return render(
        request,
        "petitions/share_mastodon.html",
        context,
        status=400 if context["error"] else 200,
    )


@require_GET
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def embed(request, slug):
    petition = petition_for_viewing(request.user, slug)
    response = render(request, "petitions/embed.html", {"petition": petition})
    patch_cache_control(response, public=True, max_age=10)
    return response


# --- Organisers -----------------------------------------------------------------------------


def _petition_forms(request, organisation, petition: Petition | None = None):
    initial, targets, current = {}, [], []
    if petition is not None:
        initial = {
            "title": petition.title,
            "demand": petition.demand,
            "reasons": petition.reasons,
            "closes_on": petition.closes_on,
            "first_goal": petition.first_goal,
        }
        current = list(petition.targets.all())
        own = {a.target.pk: a.email for a in delivery_addresses(petition) if a.is_organisations}
        targets = [{"entry": t.pk, "email": own.get(t.pk, "")} for t in current]
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    # Entries are picked by id from the ones this organisation may address (decision 5).
    directory = directory_choices(organisation, keep=current)
    return (
        PetitionForm(data, files, initial=initial),
        # Initial rows only for the blank form: a bound formset skips validating rows that
        # equal their initial values, which would lose unchanged targets.
        TargetFormSet(
            data,
            initial=None if data else targets,
            prefix="targets",
            form_kwargs={"organisation": organisation, "directory": directory},
        ),
    )


def _petition_arguments(form: PetitionForm, targets) -> dict:
    data = dict(form.cleaned_data)
    data["targets"] = targets.targets()
    return data


def _edit_page(request, form, targets, **context):
    """The petition form; after a failed POST it answers 422 with the errors in place."""
    status = 422 if request.method == "POST" else 200
    context.update(form=form, targets=targets)
    return render(request, "petitions/edit.html", context, status=status)


def _saved(request, form, targets, save):
    """Run ``save`` (an action) if both forms are valid; a refusal goes back to the form."""
    if request.method != "POST" or not (form.is_valid() and targets.is_valid()):
        return None
    try:
        return save(**_petition_arguments(form, targets))
    except ActionError as error:
        form.add_error(None, error.message)
        return None


@login_required
def new(request):
    organisations = request.user.organisations.all()
    if not organisations:
        raise PermissionDenied(_("You need to belong to an organisation to start a petition."))
    organisation = organisations.filter(slug=request.GET.get("org")).first() or organisations[0]
    form, targets = _petition_forms(request, organisation)
    petition = _saved(
        request,
        form,
        targets,
        partial(actions.create_petition, organisation=organisation, created_by=request.user),
    )
    if petition is not None:
        messages.success(request, _("Your draft is saved. Submit it for review when it is ready."))
        return redirect("petitions:dashboard", slug=petition.slug)
    return _edit_page(
        request, form, targets, organisation=organisation, organisations=organisations
    )


def _update(petition: Petition, **arguments) -> Petition:
    if not arguments["image"]:
        arguments["image"] = None  # keep the image unless a new one was uploaded
    return actions.update_petition(petition=petition, **arguments)


@login_required
def edit(request, slug):
    petition = petition_for_edit(request.user, slug)
    if petition.status not in Petition.EDITABLE:
        messages.error(request, _("Only a draft can be edited: people signed these words."))
        return redirect("petitions:dashboard", slug=slug)
    form, targets = _petition_forms(request, petition.organisation, petition)
    if _saved(request, form, targets, partial(_update, petition, by=request.user)) is not None:
        messages.success(request, _("Saved."))
        return redirect("petitions:dashboard", slug=slug)
    return _edit_page(request, form, targets, petition=petition, organisation=petition.organisation)


def _transition(request, slug, action, success: str):
    petition = petition_for_edit(request.user, slug)
    try:
        action(petition=petition)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("petitions:dashboard", slug=slug)


@login_required
@require_POST
def submit(request, slug):
    return _transition(
        request, slug, actions.submit_for_review, "Submitted: a moderator will review it soon."
    )


@login_required
@require_POST
def close(request, slug):
    return _transition(request, slug, actions.close_petition, _("The petition is closed."))


def _insights_context(petition: Petition, *, private: bool) -> dict:
    """The charts, projection, map and tables, all from the worker's tallies."""
    found = insights.for_petition(petition, count=petition.signature_count, private=private)
    return {
        "insights": found,
        "hour_chart": charts.bar_chart(found.hours) if found.hours else None,
        "day_chart": charts.bar_chart(found.days) if found.days else None,
        "state_map": charts.state_map(found.states),
        "sources": [
            (sharing.SOURCES.get(key, _("No channel named in the link")), n)
            for key, n in found.sources
        ],
    }


@login_required
def dashboard(request, slug):
    petition = petition_for_edit(request.user, slug)
    context = {
        "petition": petition,
        "pending_count": Signature.objects.filter(petition=petition).pending().count(),
        "embed_url": absolute(reverse("petitions:embed", args=[slug])),
        "removal_at": petition.personal_data_removal_at(),
        "decisions": petition.decisions.select_related("decided_by"),
        **_insights_context(petition, private=True),
    }
    return render(request, "petitions/dashboard.html", context)


@require_GET
def insights_page(request, slug):
    """The chart, projection and map, for everyone if the organiser chose to show them."""
    petition = petition_for_insights(request.user, slug)
    context = {"petition": petition, **_insights_context(petition, private=False)}
    response = render(request, "petitions/insights.html", context)
    if not request.user.is_authenticated:
        # The tallies move once a minute: a proxy may share the page for a little while.
        patch_cache_control(response, public=True, max_age=30)
    return response


@login_required
@require_POST
def insights_visibility(request, slug):
    petition = petition_for_edit(request.user, slug)
    public = request.POST.get("public") == "1"
    actions.set_insights_public(petition=petition, public=public)
    messages.success(
        request,
        _(
            "Everyone can now see the chart, the projection and the map (never who signed, "
            "nor your sources)."
        )
        if public
        else _("Only your organisation can see the insights now."),
    )
    return redirect("petitions:dashboard", slug=slug)


class _Echo:
    def write(self, value):
        return value


def _csv_safe(value) -> str:
    """Stop spreadsheet programs from running a signer's text as a formula."""
    value = "" if value is None else str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


CSV_COLUMNS = ["name", "email", "postcode", "country", "comment", "show_name", "wants_updates",
               "confirmed_at", "ref_code", "referred_by__ref_code"]  # fmt: skip


@login_required
def export_csv(request, slug):
    petition = petition_for_export(request.user, slug)
    rows = actions.signers_for_export(petition=petition, by=request.user, columns=CSV_COLUMNS)
    writer = csv.writer(_Echo())
    lines = (writer.writerow([_csv_safe(v) for v in row]) for row in rows)
    header = [writer.writerow(CSV_COLUMNS)]
    response = StreamingHttpResponse(
        (line for part in (header, lines) for line in part), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="{slug}-signatures.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def home(request):
    petitions = (
        Petition.objects.public()
        .petitions()
        .select_related("organisation")
        .with_targets()
        .order_by("status", "-published_at")[:20]
    )
    return render(request, "petitions/home.html", {"petitions": petitions})
