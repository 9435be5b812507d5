from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from groundswell.core import ratelimit
from groundswell.core.errors import ActionError
from groundswell.moderation import access, actions, rules
from groundswell.moderation.forms import (
    AuditFilterForm,
    DecisionForm,
    HideForm,
    NoteForm,
    ReportForm,
    RevertForm,
    RuleForm,
)
from groundswell.moderation.models import (
    REASON_EXPLANATIONS,
    AuditEntry,
    Hiding,
    Invalidation,
    Kind,
    Reason,
    Report,
    ReviewDecision,
)
from groundswell.petitions import actions as petition_actions
from groundswell.petitions.models import Petition, Signature

# --- Staff home -----------------------------------------------------------------------------


@login_required
def home(request):
    if not access.is_moderator(request.user):
        raise PermissionDenied(_("Only moderators can see this page."))
    user = request.user
    context = {
        "can": {name: access.has_power(user, perm) for name, perm in _POWERS.items()},
        "waiting": Petition.objects.in_review().count(),
        "reported_items": _open_report_groups().count(),
        "running": Invalidation.objects.filter(
            status__in=[Invalidation.Status.QUEUED, Invalidation.Status.RUNNING]
        ).count(),
        "recent": AuditEntry.objects.all()[:10] if access.has_power(user, access.AUDIT) else [],
    }
    return render(request, "moderation/home.html", context)


_POWERS = {
    "review": access.REVIEW,
    "reports": access.REPORTS,
    "invalidate": access.INVALIDATE,
    "audit": access.AUDIT,
}


# --- Review ---------------------------------------------------------------------------------


@login_required
def queue(request):
    access.require(request.user, access.REVIEW)
    petitions = (
        Petition.objects.in_review()
        .select_related("organisation", "created_by")
        .order_by("submitted_at", "pk")
    )
    return render(request, "moderation/queue.html", {"petitions": petitions})


@login_required
def review(request, slug):
    petition = access.petition_for_review(request.user, slug)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                petition_actions.approve_petition(petition=petition, reviewer=request.user)
                messages.success(
                    request, _("“%(title)s” is open for signatures.") % {"title": petition}
                )
            else:
                petition_actions.reject_petition(
                    petition=petition,
                    reviewer=request.user,
                    reason=data["reason"],
                    note=data["note"],
                )
                messages.success(
                    request,
                    _("“%(title)s” was rejected; its organiser is told.") % {"title": petition},
                )
        except ActionError as error:
            form.add_error(None, error.message)
        else:
            return redirect("moderation:queue")
    context = {
        "petition": petition,
        "targets": petition.targets.all(),
        "form": form,
        "decisions": petition.decisions.select_related("decided_by"),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "moderation/review.html", context, status=status)


# --- Public: reports and removed pages --------------------------------------------------------


def report(request, kind, object_id):
    if kind not in Kind.values:
        raise Http404(_("Nothing to report here."))
    item, petition = actions.reported_item(kind, object_id)
    if item is None:
        raise Http404(_("There is nothing to report here any more."))
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            _limit_reports(request, kind, object_id)
            actions.report_item(kind=kind, object_id=object_id, **form.cleaned_data)
        except ratelimit.RateLimited as limit:
            form.add_error(None, limit.message)
            status = 429
        else:
            messages.success(request, _("Thank you. Moderators will look at your report."))
            return redirect(petition.get_absolute_url())
    elif request.method == "POST":
        status = 422
    context = {"form": form, "kind": kind, "item": item, "petition": petition}
    return render(request, "moderation/report.html", context, status=status)


def _limit_reports(request, kind: str, object_id: int) -> None:
    """Per address (10 an hour) and per item (30 an hour from everyone): floods stop there."""
    ratelimit.limit_by_ip(request, group="report-ip", rate="10/h")
    ratelimit.check(request, group="report-item", rate="30/h", value=f"{kind}:{object_id}")


def removed_petition(request, petition: Petition):
    """What the public sees of a rejected or hidden petition: that, and why; no content."""
    if petition.status == Petition.Status.HIDDEN:
        hiding = actions.current_hiding(petition)
        reason, when = (hiding.reason, hiding.hidden_at) if hiding else ("", None)
    else:
        decision = petition.decisions.filter(decision=ReviewDecision.Decision.REJECTED).first()
        reason, when = (decision.reason, decision.created_at) if decision else ("", None)
    context = {
        "petition": petition,
        "reason": Reason(reason).label if reason else "",
        "explanation": REASON_EXPLANATIONS.get(reason, ""),
        "when": when,
    }
    return render(request, "moderation/removed.html", context, status=410)


# --- Reports and hidden items (staff) -------------------------------------------------------


def _open_report_groups():
    return (
        Report.objects.filter(status=Report.Status.OPEN)
        .values("kind", "object_id", "petition", "petition__title", "petition__slug")
        .annotate(n=Count("id"), first=Min("created_at"), last=Max("created_at"))
        .order_by("first")
    )


@login_required
def reports(request):
    access.require(request.user, access.REPORTS)
    groups = list(_open_report_groups()[:200])
    keys = {(g["kind"], g["object_id"]) for g in groups}
    found: dict = {key: [] for key in keys}
    for kind, object_id, why, details in Report.objects.filter(
        status=Report.Status.OPEN, object_id__in={pk for _kind, pk in keys}
    ).values_list("kind", "object_id", "why", "details"):
        if (kind, object_id) in found:
            found[kind, object_id].append((why, details))
    labels = _labels(keys)
    for group in groups:
        key = (group["kind"], group["object_id"])
        group["whys"] = Counter(why for why, _ in found[key]).most_common()
        group["details"] = [details for _, details in found[key] if details][:5]
        group["label"] = labels.get(key, f"{key[0]} {key[1]} (gone)")
    context = {"groups": groups, "hide_form": HideForm(), "note_form": NoteForm()}
    return render(request, "moderation/reports.html", context)


def _labels(keys: set) -> dict:
    """What each reported item is, in one query per kind."""
    from groundswell.updates.models import Update

    ids = {kind: {pk for k, pk in keys if k == kind} for kind in Kind.values}
    labels = {}
    for pk, title in Petition.objects.filter(pk__in=ids[Kind.PETITION]).values_list("pk", "title"):
        labels[Kind.PETITION, pk] = title
    for pk, title in Update.objects.filter(pk__in=ids[Kind.UPDATE]).values_list("pk", "title"):
        labels[Kind.UPDATE, pk] = title
    for signature in Signature.objects.filter(pk__in=ids[Kind.COMMENT]).only(
        "comment", "name", "show_name"
    ):
        labels[Kind.COMMENT, signature.pk] = (
            f"“{signature.comment[:200]}” (by {signature.public_name})"
        )
    return labels


def _label(kind: str, object_id: int) -> str:
    return _labels({(kind, object_id)}).get((kind, object_id), f"{kind} {object_id} (gone)")


@login_required
@require_POST
def dismiss(request, kind, object_id):
    access.require(request.user, access.REPORTS)
    form = NoteForm(request.POST)
    form.is_valid()
    try:
        actions.dismiss_reports(
            kind=kind, object_id=object_id, by=request.user, note=form.cleaned_data.get("note", "")
        )
        messages.success(request, _("Reports dismissed."))
    except ActionError as error:
        messages.error(request, error.message)
    return redirect("moderation:reports")


@login_required
def hide(request, kind, object_id):
    access.require(request.user, access.REPORTS)
    item, _petition = actions.hideable_item(kind, object_id)
    if item is None:
        raise Http404(_("There is nothing here that can be hidden."))
    form = HideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.hide_item(kind=kind, object_id=object_id, by=request.user, **form.cleaned_data)
        except ActionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Hidden. You can show it again from “Hidden items”."))
            return redirect("moderation:hidden")
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "kind": kind, "item": item, "label": _label(kind, object_id)}
    return render(request, "moderation/hide.html", context, status=status)


@login_required
def hidden(request):
    access.require(request.user, access.REPORTS)
    hidings = Hiding.objects.filter(restored_at__isnull=True).select_related(
        "petition", "hidden_by"
    )
    return render(request, "moderation/hidden.html", {"hidings": hidings, "form": NoteForm()})


@login_required
@require_POST
def restore(request, pk):
    access.require(request.user, access.REPORTS)
    hiding = Hiding.objects.filter(pk=pk).first()
    if hiding is None:
        raise Http404(_("No such hidden item."))
    form = NoteForm(request.POST)
    form.is_valid()
    try:
        actions.restore_item(hiding=hiding, by=request.user, note=form.cleaned_data.get("note", ""))
        messages.success(request, _("Shown again."))
    except ActionError as error:
        messages.error(request, error.message)
    return redirect("moderation:hidden")


# --- Invalidations --------------------------------------------------------------------------


@login_required
def invalidations(request):
    access.require(request.user, access.INVALIDATE)
    form = RuleForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            return _preview_or_start(request, form)
        return _rule_page(request, form, status=422)
    return _rule_page(request, form)


def _rule_page(request, form, preview=None, status=200):
    context = {
        "form": form,
        "preview": preview,
        "invalidations": Invalidation.objects.select_related("petition", "created_by")[:50],
    }
    return render(request, "moderation/invalidations.html", context, status=status)


def _preview_or_start(request, form):
    data = form.cleaned_data
    rule = form.to_rule()
    petition = data["petition"]
    try:
        preview = rules.preview(rule, petition.pk if petition else None)
    except ValueError as error:
        form.add_error(None, str(error))
        return _rule_page(request, form, status=422)
    for sample in preview.sample:
        sample.masked_email = rules.masked_email(sample.email)
    if not preview.matched:
        form.add_error(None, _("This rule matches no signatures: nothing to remove."))
        return _rule_page(request, form, status=422)
    confirmed = data["previewed"] and (not preview.needs_second_confirmation or data["really"])
    if not confirmed:
        if data["previewed"] and preview.needs_second_confirmation:
            form.add_error("really", _("This rule removes most of what it looks at: confirm it."))
        form.data = form.data.copy()
        form.data["previewed"] = "on"
        return _rule_page(request, form, preview, status=422 if form.errors else 200)
    invalidation = actions.start_invalidation(
        rule=rule, petition=petition, by=request.user, note=data["note"], matched=preview.matched
    )
    messages.success(request, _("The invalidation runs in the background; signing goes on."))
    return redirect("moderation:invalidation", pk=invalidation.pk)


@login_required
def invalidation(request, pk):
    invalidation = access.invalidation_for_staff(request.user, pk)
    form = RevertForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.revert_invalidation(
                    invalidation=invalidation, by=request.user, note=form.cleaned_data["note"]
                )
            except ActionError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request, _("Reverting: the signatures come back and are recounted.")
                )
                return redirect("moderation:invalidation", pk=pk)
        status = 422
    context = {
        "invalidation": invalidation,
        "outcomes": invalidation.outcomes.select_related("petition"),
        "form": form,
        "working": invalidation.status
        in {Invalidation.Status.QUEUED, Invalidation.Status.RUNNING, Invalidation.Status.REVERTING},
    }
    return render(request, "moderation/invalidation.html", context, status=status)


# --- The audit log --------------------------------------------------------------------------


@login_required
def audit(request):
    access.require(request.user, access.AUDIT)
    form = AuditFilterForm(request.GET or None)
    entries = form.filter(AuditEntry.objects.all()) if request.GET else AuditEntry.objects.all()
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    status = 422 if form.is_bound and not form.is_valid() else 200
    return render(request, "moderation/audit.html", context, status=status)
