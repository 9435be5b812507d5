"""Pages of write-to-your-official campaigns: find your officials, write, hand off, answer;
and the organisers' pages: start, edit, open, close and manage a campaign."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groundswell.core import i18n, ratelimit
from groundswell.core.emails import absolute
from groundswell.core.errors import ActionError
from groundswell.letters.writing import access, actions, lookup
from groundswell.letters.writing.forms import CampaignForm, StateForm, WritingForm, ZipForm
from groundswell.letters.writing.models import OfficialLetter
from groundswell.letters.writing.scoreboard import scoreboard, tally
from groundswell.targets.models import ContactMethod, DirectoryEdition


def _page(request, campaign, status=200, **context):
    context = {
        "campaign": campaign,
        "scoreboard": scoreboard(campaign),
        "edition": DirectoryEdition.current(),
        "zip_form": ZipForm(initial={"zip": request.GET.get("zip", "")}),
        "state_form": StateForm(),
        "can_edit": access.is_member(request.user, campaign),
        **context,
    }
    return render(request, "letters/writing/campaign.html", context, status=status)


def _officials(campaign, state: str, number: int) -> list[dict]:
    """Each official of a district with how a letter reaches them (for the page)."""
    officials = lookup.officials_for(state, number)
    own = actions.contact_emails(campaign.organisation_id, officials)
    return [{"target": t, "method": t.contact_method(own.get(t.pk))} for t in officials]


def campaign(request, slug):
    """The campaign, the ZIP box, and then either a choice of districts or the letter form."""
    campaign = access.campaign_for_viewing(request.user, slug)
    if "zip" in request.GET:
        return _after_zip(request, campaign)
    if "state" in request.GET:
        return _after_state(request, campaign)
    return _page(request, campaign)


def _after_zip(request, campaign):
    zip_form = ZipForm(request.GET)
    if not zip_form.is_valid():
        return _page(request, campaign, 422, zip_form=zip_form, ask_state=True)
    zip_code = zip_form.cleaned_data["zip"]
    districts = lookup.districts_for_zip(zip_code)
    if not districts:
        return _page(
            request, campaign, unknown_zip=zip_code, ask_state=True
        )  # an answer, not an error
    chosen = lookup.parse_district_key(request.GET.get("district", ""))
    if chosen in {(d.state, d.number) for d in districts}:
        return _write_form(request, campaign, zip_code, *chosen)
    if len(districts) == 1:
        return _write_form(request, campaign, zip_code, districts[0].state, districts[0].number)
    return _page(request, campaign, districts=districts, zip_code=zip_code)


def _after_state(request, campaign):
    state_form = StateForm(request.GET)
    if not state_form.is_valid():
        return _page(request, campaign, 422, state_form=state_form, ask_state=True)
    state = state_form.cleaned_data["state"]
    chosen = lookup.parse_district_key(request.GET.get("district", ""))
    districts = lookup.districts_in_state(state)
    if chosen in {(d.state, d.number) for d in districts}:
        return _write_form(request, campaign, "", *chosen)
    if len(districts) == 1:
        return _write_form(request, campaign, "", state, districts[0].number)
    return _page(request, campaign, districts=districts, state=state)


def _write_form(request, campaign, zip_code, state, number, form=None, status=200):
    key = f"{state}-{number}"
    form = form or WritingForm(campaign=campaign, initial={"zip": zip_code, "district": key})
    district = lookup.District(state, number)
    return _page(
        request,
        campaign,
        status,
        form=form,
        officials=_officials(campaign, state, number),
        district=district,
        zip_code=zip_code,
        NONE=ContactMethod.NONE,
    )


@require_POST
def write(request, slug):
    campaign = access.campaign_for_viewing(request.user, slug)
    form = WritingForm(request.POST, campaign=campaign)
    if not form.is_valid():
        seat = lookup.parse_district_key(request.POST.get("district", ""))
        if seat is None:
            return _page(request, campaign, 422, form_error=_("Find your officials first."))
        return _write_form(
            request, campaign, form.data.get("zip", ""), *seat, form=form, status=422
        )
    try:
        access.limit_writing(request, form.cleaned_data["email"])
        written = actions.write_to_officials(**form.attempt())
    except (ratelimit.RateLimited, ActionError) as error:
        return written_answer(request, campaign, error=error)
    return written_answer(request, campaign, written=written)


def written_answer(request, campaign, *, written=None, error=None):
    """The page after writing, whatever became of it: by ``write``, and by the fast path
    (fastpath.py) through Django's middleware."""
    context = {"campaign": campaign, "written": written, "error": error}
    status = error.status if error else 200
    return render(request, "letters/writing/written.html", context, status=status)


def confirm(request, slug, token):
    try:
        writer = actions.confirm_writer(token=token)
    except ActionError as error:
        return render(request, "core/link_error.html", {"error": error}, status=error.status)
    return redirect(i18n.with_language(writer.get_letters_path()))  # the link's language


@require_http_methods(["GET", "POST"])
def handoff(request, slug, ref):
    """The writer's letters: emailed ones, and the ones they send by form or phone."""
    writer = access.writer_for_handoff(slug, ref)
    status = 200
    if request.method == "POST":
        try:
            actions.report_sent(writer=writer, letter_id=_int(request.POST.get("letter")))
            return redirect(writer.get_letters_path())
        except ActionError as error:
            status = error.status
            request.error = error
    letters = list(writer.letters.select_related("target").order_by("-target__chamber", "pk"))
    context = {
        "campaign": writer.campaign,
        "writer": writer,
        "letters": letters,
        "error": getattr(request, "error", None),
        "Status": OfficialLetter.Status,
    }
    return render(request, "letters/writing/handoff.html", context, status=status)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@require_http_methods(["GET", "POST"])
def answer(request, token):
    """An office answers the campaign, once, through its private link."""
    try:
        link = actions.answer_link(token)
    except ActionError as error:
        return render(request, "core/link_error.html", {"error": error}, status=error.status)
    error = None
    if request.method == "POST":
        try:
            actions.answer_as_office(token=token, text=request.POST.get("text", "")[:20000])
            return render(request, "letters/writing/answered.html", {"campaign": link.campaign})
        except ActionError as e:
            error = e
    context = {"link": link, "campaign": link.campaign, "error": error}
    return render(
        request, "letters/writing/answer.html", context, status=error.status if error else 200
    )


# --- The organisers' pages --------------------------------------------------------------------


def _saved(request, form: CampaignForm, save):
    """``save(**cleaned_data)`` for a valid POST, else None and the form's errors (422)."""
    if request.method != "POST":
        return None, 200
    if form.is_valid():
        try:
            return save(**form.cleaned_data), 200
        except ActionError as error:
            form.add_error(None, error.message)
    return None, 422


@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    organisation = access.organisation_for_new_campaign(request.user, request.GET.get("org"))
    form = CampaignForm(request.POST if request.method == "POST" else None)
    campaign, status = _saved(
        request, form, partial(actions.create_campaign, organisation=organisation)
    )
    if campaign is not None:
        messages.success(request, _("The campaign is saved."))
        return redirect("letters:writing:manage", slug=campaign.slug)
    context = {"form": form, "organisation": organisation}
    return render(request, "letters/writing/edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, slug):
    campaign = access.campaign_for_edit(request.user, slug)
    data = request.POST if request.method == "POST" else None
    form = CampaignForm(data, campaign=campaign)
    saved, status = _saved(request, form, partial(actions.update_campaign, campaign=campaign))
    if saved is not None:
        messages.success(request, _("The campaign is saved."))
        return redirect("letters:writing:manage", slug=saved.slug)
    context = {"form": form, "campaign": campaign, "organisation": campaign.organisation}
    return render(request, "letters/writing/edit.html", context, status=status)


@login_required
@require_GET
def manage(request, slug):
    """The scoreboard as the public sees it, and what only organisers see: writers waiting to
    confirm, and letters that are not yet counted."""
    campaign = access.campaign_for_edit(request.user, slug)
    context = {
        "campaign": campaign,
        "campaign_url": absolute(campaign.get_absolute_url()),
        "scoreboard": scoreboard(campaign),
        "tally": tally(campaign),
    }
    return render(request, "letters/writing/manage.html", context)


MOVED = {
    "open": (actions.open_campaign, gettext_lazy("The campaign is open: supporters can write.")),
    "close": (
        actions.close_campaign,
        gettext_lazy("The campaign is closed: its page stays up and takes no more letters."),
    ),
}


@login_required
@require_POST
def move(request, slug, to):
    campaign = access.campaign_for_edit(request.user, slug)
    action, done = MOVED[to]
    try:
        action(campaign=campaign)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("letters:writing:manage", slug=slug)
