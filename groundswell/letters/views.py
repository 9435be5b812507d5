"""Open letters' and requests logs' pages. Signing, delivering and the target's answer
link are the petitions' and targets' own pages (decision 8)."""

import csv
import io

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_POST

from groundswell.core.emails import absolute
from groundswell.core.errors import ActionError
from groundswell.letters import actions
from groundswell.letters.access import (
    cosigner_for_decision,
    letter_for_edit,
    letter_for_joining,
    letter_for_viewing,
    log_for_edit,
    log_for_viewing,
    organisations_for_writing,
)
from groundswell.letters.forms import (
    LetterAnswerForm,
    LetterForm,
    OrganisationForm,
    RequestForm,
    RequestsLogForm,
)
from groundswell.letters.models import CoSigner, Request, RequestsLog
from groundswell.letters.writing import access as writing
from groundswell.petitions.forms import SignatureForm, TargetFormSet, directory_choices
from groundswell.petitions.models import Petition
from groundswell.targets.access import delivery_for_organiser
from groundswell.targets.actions import plan_for, record_outside_answer
from groundswell.targets.models import Delivery

# --- The public page ------------------------------------------------------------------------


def delivery_status(delivery: Delivery, today=None) -> str:
    """ "Sent 3 days ago · answer due in 11 days", "… overdue by 2 days", "Answered on …"."""
    today = today or timezone.localdate()
    if delivery.status in Delivery.RESPONDED:
        day = delivery.responded_on
        if delivery.status == Delivery.Status.DECLINED:
            return _("Declined to answer on %(day)s") % {"day": _date(day)}
        return _("Answered on %(day)s") % {"day": _date(day)}
    days = delivery.waiting_days(today)
    sent = ngettext("Sent %(n)d day ago", "Sent %(n)d days ago", days) % {"n": days}
    if delivery.deadline is None:
        return sent
    if delivery.is_overdue(today):
        late = delivery.days_overdue(today)
        due = ngettext("overdue by %(n)d day", "overdue by %(n)d days", late) % {"n": late}
    else:
        left = (delivery.deadline - today).days
        due = ngettext("answer due in %(n)d day", "answer due in %(n)d days", left) % {"n": left}
    return f"{sent} · {due}"


def _date(day) -> str:
    from django.utils.formats import date_format

    return date_format(day, "j F Y")


def _deliveries(petition: Petition) -> list[Delivery]:
    deliveries = list(Delivery.objects.filter(petition=petition).for_display())
    for delivery in deliveries:
        delivery.status_line = delivery_status(delivery)
    return deliveries


@require_GET
def letter(request, slug):
    petition = letter_for_viewing(request.user, slug)
    context = {
        "letter": petition,
        "petition": petition,
        "targets": petition.targets.order_by("petitiontarget__position"),
        "cosigners": CoSigner.objects.filter(letter=petition).shown(),
        "deliveries": _deliveries(petition),
        "plan": plan_for(petition),
        "form": SignatureForm(),
        "can_edit": petition.organisation.role_of(request.user) is not None,
        "canonical_url": absolute(petition.get_absolute_url()),
    }
    response = render(request, "letters/letter.html", context)
    if not request.user.is_authenticated:
        patch_cache_control(response, public=True, max_age=1, stale_while_revalidate=9)
    return response


@require_GET
def index(request):
    letters = (
        Petition.objects.public()
        .letters()
        .filter(request__isnull=True)
        .select_related("organisation")
        .order_by("-published_at")[:50]
    )
    logs = RequestsLog.objects.public().select_related("organisation").order_by("-pk")[:20]
    context = {
        "letters": letters,
        "logs": logs,
        "campaigns": writing.public_campaigns().order_by("-created_at")[:20],
        "our_campaigns": writing.campaigns_of_member(request.user),
    }
    return render(request, "letters/index.html", context)


# --- Writing and managing -------------------------------------------------------------------


@login_required
def new(request):
    organisations = organisations_for_writing(request.user)
    organisation = organisations.filter(slug=request.GET.get("org")).first() or organisations[0]
    data = request.POST if request.method == "POST" else None
    form = LetterForm(data)
    targets = TargetFormSet(
        data,
        prefix="targets",
        form_kwargs={"organisation": organisation, "directory": directory_choices(organisation)},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid() and targets.is_valid():
            try:
                petition = actions.create_letter(
                    organisation=organisation,
                    created_by=request.user,
                    targets=targets.targets(),
                    **form.cleaned_data,
                )
            except ActionError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request, _("Your letter is saved. Submit it for review when it is ready.")
                )
                return redirect("letters:manage", slug=petition.slug)
    context = {"form": form, "targets": targets, "organisation": organisation}
    return render(request, "letters/new.html", context, status=status)


@login_required
def manage(request, slug):
    petition = letter_for_edit(request.user, slug)
    cosigners = CoSigner.objects.filter(letter=petition).order_by("status", "created_at")
    context = {
        "letter": petition,
        "invitation_url": absolute(petition.letter.get_invitation_path()),
        "waiting": [c for c in cosigners if c.status == CoSigner.Status.CONFIRMED],
        "approved": [c for c in cosigners if c.status == CoSigner.Status.APPROVED],
        "unconfirmed": [c for c in cosigners if c.status == CoSigner.Status.UNCONFIRMED],
        "deliveries": _deliveries(petition),
        "plan": plan_for(petition),
    }
    return render(request, "letters/manage.html", context)


@login_required
@require_POST
def decide(request, slug, pk, decision):
    cosigner = cosigner_for_decision(request.user, slug, pk)
    decide_with = actions.approve_cosigner if decision == "approve" else actions.decline_cosigner
    try:
        decide_with(cosigner=cosigner, by=request.user)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        if decision == "approve":
            messages.success(
                request, _("%(name)s is shown on the letter.") % {"name": cosigner.name}
            )
        else:
            messages.info(request, _("%(name)s will not be shown.") % {"name": cosigner.name})
    return redirect("letters:manage", slug=slug)


@login_required
def record_answer(request, slug, pk):
    """An answer that came by post or phone: date, text and a copy (PDF or picture)."""
    delivery = delivery_for_organiser(request.user, slug, pk)
    letter_for_edit(request.user, slug)
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = LetterAnswerForm(
        data, files, initial={"received_on": timezone.localdate(), "source": "letter"}
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                record_outside_answer(delivery=delivery, by=request.user, **form.action_arguments())
            except ActionError as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                messages.success(request, _("The answer is recorded and shown on the letter."))
                return redirect(_after_answer(delivery.petition))
    context = {"delivery": delivery, "letter": delivery.petition, "form": form}
    return render(request, "letters/record_answer.html", context, status=status)


def _after_answer(petition: Petition) -> str:
    """A request's answer goes back to its log's table; an open letter's, to its page."""
    filed = Request.objects.filter(letter=petition).select_related("log").first()
    if filed is not None:
        return filed.log.get_absolute_url()
    return petition.get_absolute_url() + "#answers"


# --- Partner organisations ------------------------------------------------------------------


def join(request, slug, code):
    try:
        letter = letter_for_joining(slug, code)
    except ActionError as error:
        return render(request, "letters/link_error.html", {"error": error}, status=error.status)
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = OrganisationForm(data, files)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                actions.cosign_as_organisation(
                    letter=letter, organisation=form.organisation(), logo=form.cleaned_data["logo"]
                )
            except ActionError as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                context = {"letter": letter.petition, "email": form.cleaned_data["email"]}
                return render(request, "letters/joined.html", context)
    context = {"letter": letter.petition, "form": form}
    return render(request, "letters/join.html", context, status=status)


@require_GET
def confirm_cosigner(request, token):
    try:
        cosigner = actions.confirm_cosigner(token=token)
    except ActionError as error:
        return render(request, "letters/link_error.html", {"error": error}, status=error.status)
    return render(request, "letters/cosigner_confirmed.html", {"cosigner": cosigner})


# --- Requests logs --------------------------------------------------------------------------


def _rows(log: RequestsLog) -> list[dict]:
    requests = log.requests.select_related("letter").prefetch_related(
        "letter__deliveries__target", "letter__deliveries__answer"
    )
    today = timezone.localdate()
    rows = []
    for item in requests:
        delivery = item.delivery
        outcome = item.outcome(today)
        rows.append(
            {
                "request": item,
                "delivery": delivery,
                "target": delivery.target if delivery else None,
                "outcome": outcome,
                "outcome_label": Request.Outcome(outcome).label,
                "days": item.days(today),
            }
        )
    return rows


def _summary(rows: list[dict]) -> list[tuple[str, str, int]]:
    counts = {outcome: 0 for outcome in Request.Outcome.values}
    for row in rows:
        counts[row["outcome"]] += 1
    return [
        (value, Request.Outcome(value).label, counts[value]) for value in Request.Outcome.values
    ]


def _log_context(request, log: RequestsLog) -> dict:
    rows = _rows(log)
    return {
        "log": log,
        "rows": rows,
        "summary": [s for s in _summary(rows) if s[2] or s[0] != Request.Outcome.NOT_SENT],
        "can_edit": log.organisation.role_of(request.user) is not None,
    }


@require_GET
def log(request, slug):
    requests_log = log_for_viewing(request.user, slug)
    return render(request, "letters/log.html", _log_context(request, requests_log))


@require_GET
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def log_embed(request, slug):
    requests_log = log_for_viewing(request.user, slug)
    response = render(request, "letters/log_embed.html", _log_context(request, requests_log))
    patch_cache_control(response, public=True, max_age=60)
    return response


CSV_COLUMNS = [
    "reference",
    "subject",
    "to",
    "role",
    "how",
    "sent_on",
    "deadline",
    "outcome",
    "answered_on",
    "days",
]


def _csv_safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_GET
def log_csv(request, slug):
    requests_log = log_for_viewing(request.user, slug)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in _rows(requests_log):
        delivery = row["delivery"]
        writer.writerow(
            _csv_safe(value)
            for value in (
                row["request"].reference,
                row["request"].letter.title,
                row["target"].name if row["target"] else "",
                row["target"].role if row["target"] else "",
                delivery.method if delivery else "",
                delivery.delivered_on.isoformat() if delivery else "",
                delivery.deadline.isoformat() if delivery and delivery.deadline else "",
                row["outcome"],
                delivery.responded_on.isoformat() if delivery and delivery.responded_on else "",
                row["days"] if row["days"] is not None else "",
            )
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{requests_log.slug}.csv"'
    return response


@login_required
def new_log(request):
    organisations = organisations_for_writing(request.user)
    organisation = organisations.filter(slug=request.GET.get("org")).first() or organisations[0]
    form = RequestsLogForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        created = actions.create_requests_log(
            organisation=organisation, created_by=request.user, **form.cleaned_data
        )
        return redirect("letters:add_request", slug=created.slug)
    status = 422 if request.method == "POST" else 200
    return render(request, "letters/new_log.html", {"form": form}, status=status)


@login_required
def add_request(request, slug):
    requests_log = log_for_edit(request.user, slug)
    form = RequestForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                actions.add_request(log=requests_log, by=request.user, request=form.request_input())
            except ActionError as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                messages.success(request, _("The request is in the log."))
                return redirect(requests_log.get_absolute_url())
    context = {"log": requests_log, "form": form}
    return render(request, "letters/add_request.html", context, status=status)
