from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groundswell.core import ratelimit
from groundswell.core.errors import ActionError, LinkInvalid
from groundswell.petitions.models import Petition
from groundswell.targets import actions, documents
from groundswell.targets.access import (
    can_edit_target,
    can_set_directory_address,
    contact_for_staff,
    contacts_for_staff,
    delivery_for_organiser,
    link_for_answer,
    petition_for_delivery,
    target_for_delivery_address,
    target_for_edit,
    target_for_viewing,
)
from groundswell.targets.forms import (
    AddressForm,
    AnswerForm,
    DeliverForm,
    DeliveryPlanForm,
    OtherDeliveryForm,
    OutcomeForm,
    OutsideAnswerForm,
    TargetForm,
)
from groundswell.targets.models import Delivery, Target

ANSWER_RATE_PER_IP = "30/h"

# --- The directory --------------------------------------------------------------------------


@require_GET
def directory(request):
    query = request.GET.get("q", "").strip()[:100]
    targets = Target.objects.public().annotate(
        campaigns=Count("petitions", filter=Q(petitions__status__in=Petition.PUBLIC)),
    )
    if query:
        targets = targets.filter(
            Q(name__icontains=query) | Q(role__icontains=query) | Q(office__icontains=query)
        )
    page = Paginator(targets.order_by("name", "pk"), 50).get_page(request.GET.get("page"))
    return render(request, "targets/directory.html", {"page": page, "query": query})


@require_GET
def target(request, pk):
    target = target_for_viewing(request.user, pk)
    petitions = (
        target.petitions.filter(status__in=Petition.PUBLIC)
        .select_related("organisation")
        .order_by("-published_at", "-pk")
    )
    deliveries = {
        d.petition_id: d for d in Delivery.objects.filter(target=target).select_related("answer")
    }
    campaigns = [{"petition": p, "delivery": deliveries.get(p.pk)} for p in petitions]
    delivered = [c["delivery"] for c in campaigns if c["delivery"]]
    context = {
        "target": target,
        "campaigns": campaigns,
        "delivered": len(delivered),
        "answered": sum(d.status == Delivery.Status.ANSWERED for d in delivered),
        "waiting": sum(d.status in Delivery.WAITING for d in delivered),
        "can_edit": can_edit_target(request.user, target),
    }
    return render(request, "targets/target.html", context)


@login_required
def edit_target(request, pk):
    target = target_for_edit(request.user, pk)
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = TargetForm(
        data,
        files,
        initial=TargetForm.initial_for(target),
        directory_address=can_set_directory_address(request.user),
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                actions.update_target(target=target, **form.action_arguments())
            except ActionError as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                messages.success(request, _("Saved."))
                return redirect(target)
    return render(request, "targets/edit.html", {"target": target, "form": form}, status=status)


@login_required
@require_GET
def addresses(request):
    """For staff: where organisations deliver when it is not the directory's address."""
    contacts = (
        contacts_for_staff(request.user)
        .exclude(email=F("target__email"))
        .order_by("-updated_at", "-pk")
    )
    page = Paginator(contacts, 50).get_page(request.GET.get("page"))
    return render(request, "targets/addresses.html", {"page": page})


@login_required
@require_POST
def adopt_address(request, pk):
    """Staff make an organisation's address the directory's."""
    contact = contact_for_staff(request.user, pk)
    actions.adopt_organisation_address(contact=contact)
    messages.success(
        request,
        _("The directory's address for %(name)s is now %(email)s.")
        % {"name": contact.target.name, "email": contact.email},
    )
    return redirect("targets:addresses")


# --- Organisers: delivering, answers from elsewhere, the outcome ----------------------------


def organiser_context(petition: Petition, **forms) -> dict:
    """What the delivery section of the dashboard (and the manage page) shows."""
    deliveries = list(Delivery.objects.filter(petition=petition).for_display())
    delivered = {d.target_id for d in deliveries}
    targets = list(petition.targets.all())
    plan = actions.plan_for(petition)
    plan_initial = {
        "delivery_threshold": petition.delivery_threshold,
        "answer_within_days": plan.answer_within_days,
        "remind_every_days": plan.remind_every_days,
    }
    undelivered = [t for t in targets if t.pk not in delivered]
    addresses = [a for a in actions.delivery_addresses(petition) if a.target.pk not in delivered]
    return {
        "petition": petition,
        "deliveries": deliveries,
        "undelivered": undelivered,
        "addresses": addresses,
        "reachable": [a for a in addresses if a.email],
        "other_form": forms.get("other_form")
        or OtherDeliveryForm(targets=Target.objects.filter(pk__in=[t.pk for t in undelivered])),
        "deliverable": petition.status in Petition.DELIVERABLE,
        "decidable": petition.status in Petition.DECIDABLE,
        "plan": plan,
        "deliver_form": forms.get("deliver_form")
        or DeliverForm(
            initial={**plan_initial, "confirmed": actions.addresses_fingerprint(addresses)}
        ),
        "plan_form": forms.get("plan_form") or DeliveryPlanForm(initial=plan_initial),
        "outcome_form": forms.get("outcome_form")
        or OutcomeForm(initial={"note": petition.outcome_note}),
        "error": forms.get("error", ""),
        "today": timezone.localdate(),
    }


def _manage_page(request, petition: Petition, status: int = 200, **forms):
    context = organiser_context(petition, **forms)
    return render(request, "targets/manage.html", context, status=status)


def _back(request, petition: Petition):
    """Organisers go back to their dashboard; staff to the delivery page."""
    if petition.organisation.role_of(request.user) is not None:
        return redirect("petitions:dashboard", slug=petition.slug)
    return redirect("targets:manage", slug=petition.slug)


@login_required
@require_GET
def manage(request, slug):
    return _manage_page(request, petition_for_delivery(request.user, slug))


def _confirm_page(request, petition: Petition, form: DeliverForm, status: int, error: str = ""):
    """The address each delivery will go to, and one button to send: nothing is sent yet."""
    try:
        addresses = actions.deliverable_addresses(petition)
    except ActionError as refusal:
        return _manage_page(
            request, petition, refusal.status, deliver_form=form, error=refusal.message
        )
    confirm = DeliverForm(
        initial={**form.plan(), "confirmed": actions.addresses_fingerprint(addresses)}
    )
    context = {"petition": petition, "addresses": addresses, "form": confirm, "error": error}
    return render(request, "targets/confirm_delivery.html", context, status=status)


@login_required
@require_POST
def deliver(request, slug):
    """Deliver, once the organiser has seen where each email goes (``confirmed``)."""
    petition = petition_for_delivery(request.user, slug)
    form = DeliverForm(request.POST)
    if not form.is_valid():
        return _manage_page(request, petition, 422, deliver_form=form)
    if not form.cleaned_data["confirmed"]:
        return _confirm_page(request, petition, form, 200)
    try:
        deliveries = actions.deliver_petition(
            petition=petition, by=request.user, **form.cleaned_data
        )
    except actions.AddressesChanged as error:
        return _confirm_page(request, petition, form, error.status, error.message)
    except ActionError as error:
        return _manage_page(request, petition, error.status, deliver_form=form, error=error.message)
    sent = ", ".join(f"{d.target.name} ({d.email})" for d in deliveries)
    messages.success(request, _("Delivered to %(sent)s. The email is on its way.") % {"sent": sent})
    return _back(request, petition)


@login_required
def delivery_address(request, slug, pk):
    """Where this organisation's deliveries to one target go; other organisations' are untouched."""
    petition, target = target_for_delivery_address(request.user, slug, pk)
    contact = target.contacts.filter(organisation=petition.organisation).first()
    data = request.POST if request.method == "POST" else None
    form = AddressForm(data, initial={"email": contact.email if contact else ""})
    if request.method == "POST" and form.is_valid():
        actions.set_organisation_address(
            target=target,
            organisation=petition.organisation,
            email=form.cleaned_data["email"],
            by=request.user,
        )
        messages.success(
            request,
            _("Saved: where %(organisation)s's deliveries to %(name)s go.")
            % {"organisation": petition.organisation, "name": target.name},
        )
        return _back(request, petition)
    context = {"petition": petition, "target": target, "form": form}
    status = 422 if request.method == "POST" else 200
    return render(request, "targets/delivery_address.html", context, status=status)


@login_required
@require_POST
def deliver_other_way(request, slug):
    petition = petition_for_delivery(request.user, slug)
    form = OtherDeliveryForm(request.POST, targets=petition.targets.all())
    if not form.is_valid():
        return _manage_page(request, petition, 422, other_form=form)
    try:
        delivery = actions.record_delivery_by_other_means(
            petition=petition, by=request.user, **form.cleaned_data
        )
    except ActionError as error:
        return _manage_page(request, petition, error.status, other_form=form, error=error.message)
    messages.success(
        request,
        _("Recorded: delivered to %(name)s %(method)s on %(date)s. The page now counts the days.")
        % {
            "name": delivery.target.name,
            "method": delivery.get_method_display(),
            "date": date_format(delivery.delivered_on),
        },
    )
    return _back(request, petition)


@login_required
@require_POST
def delivery_plan(request, slug):
    petition = petition_for_delivery(request.user, slug)
    form = DeliveryPlanForm(request.POST)
    if not form.is_valid():
        return _manage_page(request, petition, 422, plan_form=form)
    actions.save_delivery_plan(petition=petition, **form.cleaned_data)
    messages.success(request, _("Delivery settings saved."))
    return _back(request, petition)


@login_required
@require_POST
def outcome(request, slug):
    petition = petition_for_delivery(request.user, slug)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return _manage_page(request, petition, 422, outcome_form=form)
    try:
        actions.record_outcome(petition=petition, **form.cleaned_data)
    except ActionError as error:
        return _manage_page(request, petition, error.status, outcome_form=form, error=error.message)
    messages.success(
        request,
        _("The campaign is marked %(status)s.") % {"status": petition.get_status_display().lower()},
    )
    return _back(request, petition)


@login_required
def record_answer(request, slug, pk):
    delivery = delivery_for_organiser(request.user, slug, pk)
    petition = delivery.petition
    if delivery.status not in Delivery.WAITING:
        messages.info(request, _("%(name)s has already answered.") % {"name": delivery.target.name})
        return _back(request, petition)
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = OutsideAnswerForm(
        data, files, initial={"received_on": timezone.localdate(), "source": "letter"}
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                actions.record_outside_answer(
                    delivery=delivery, by=request.user, **form.action_arguments()
                )
            except ActionError as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                messages.success(
                    request, _("The answer is recorded and shown on the petition page.")
                )
                return _back(request, petition)
    context = {"delivery": delivery, "petition": petition, "form": form}
    return render(request, "targets/record_answer.html", context, status=status)


@login_required
@require_GET
def delivery_pdf(request, slug):
    """The PDF as it would be delivered now, to print or hand over in person."""
    petition = petition_for_delivery(request.user, slug)
    data = documents.breakdown(petition)
    pdf = documents.delivery_pdf(petition, list(petition.targets.all()), data, timezone.now())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{petition.slug}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- The target's private link --------------------------------------------------------------


# The token is in the page's address: it must not leave our site in a Referer header. Not
# "no-referrer": browsers then send "Origin: null" with the form, which CSRF rightly refuses.
TOKEN_PAGE_REFERRER_POLICY = "same-origin"  # noqa: S105 (a header value, not a secret)


def _link_error(request, error: ActionError):
    response = render(request, "core/link_error.html", {"error": error}, status=error.status)
    response["Referrer-Policy"] = TOKEN_PAGE_REFERRER_POLICY
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def respond(request, slug, token):
    """The target's office answers, or declines, through its private link; no account."""
    try:
        if request.method == "POST":
            ratelimit.limit_by_ip(request, group="target-answer", rate=ANSWER_RATE_PER_IP)
        link = link_for_answer(slug, token)
    except LinkInvalid as error:
        return _link_error(request, error)
    except ratelimit.RateLimited as limit:
        return _link_error(request, ActionError(limit.message, status=429))
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = AnswerForm(data, files)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                actions.answer_through_link(
                    link=link,
                    text=form.cleaned_data["text"],
                    attachment=form.cleaned_data["attachment"] or None,
                    declined=form.declined,
                )
            except LinkInvalid as error:
                return _link_error(request, error)
            except ActionError as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                messages.success(request, _("Thank you. Your answer is published on this page."))
                return redirect(reverse("petitions:detail", args=[slug]) + "#answers")
    delivery = link.delivery
    context = {"link": link, "delivery": delivery, "petition": delivery.petition, "form": form}
    response = render(request, "targets/respond.html", context, status=status)
    response["Referrer-Policy"] = TOKEN_PAGE_REFERRER_POLICY
    return response
