from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groundswell.core import emails
from groundswell.core.errors import ActionError
from groundswell.updates import actions
from groundswell.updates.access import (
    organisation_for_press,
    petition_for_reading_updates,
    petition_for_updates,
    public_organisation,
    signature_for_unsubscribe,
    update_for_edit,
    update_for_viewing,
)
from groundswell.updates.forms import PublishForm, UpdateForm, UpdateSettingsForm
from groundswell.updates.models import Mailing, Update

PER_PAGE = 20

# --- Public pages ---------------------------------------------------------------------------


def _page(request, queryset):
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))


@require_GET
def petition_updates(request, slug):
    petition = petition_for_reading_updates(request.user, slug)
    updates = Update.objects.public().filter(petition=petition).with_links().newest_first()
    return render(
        request,
        "updates/petition_updates.html",
        {"petition": petition, "page": _page(request, updates)},
    )


@require_GET
def petition_update(request, slug, pk):
    update = update_for_viewing(request.user, pk)
    if update.petition is None or update.petition.slug != slug:
        raise Http404(_("No update here. Check the address."))
    return render(request, "updates/detail.html", {"update": update})


@require_GET
def press_list(request, slug):
    organisation = public_organisation(slug)
    releases = (
        Update.objects.public()
        .press_releases()
        .filter(organisation=organisation)
        .with_links()
        .newest_first()
    )
    return render(
        request,
        "updates/press_list.html",
        {
            "organisation": organisation,
            "page": _page(request, releases),
            "is_member": organisation.role_of(request.user) is not None,
        },
    )


@require_GET
def press_release(request, slug, pk):
    update = update_for_viewing(request.user, pk)
    if update.kind != Update.Kind.PRESS_RELEASE or update.organisation.slug != slug:
        raise Http404(_("No press release here. Check the address."))
    return render(request, "updates/detail.html", {"update": update})


# RFC 8058: mail programs POST "List-Unsubscribe=One-Click" with no cookie and no token,
# so this view is exempt from CSRF; the signed token in the URL is the authority.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    try:
        if request.method == "GET":  # a page with a button: link scanners change nothing
            signature = signature_for_unsubscribe(token)
            context = {"token": token, "petition": signature.petition}
            return render(request, "updates/unsubscribe.html", context)
        signature = actions.unsubscribe(token=token)
    except ActionError as error:
        return render(request, "core/link_error.html", {"error": error}, status=error.status)
    return render(request, "updates/unsubscribed.html", {"petition": signature.petition})


# --- Organisers -----------------------------------------------------------------------------


def _edit_page(request, form, **context):
    status = 422 if request.method == "POST" else 200
    return render(request, "updates/edit.html", {"form": form, **context}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def new_update(request, slug):
    petition = petition_for_updates(request.user, slug)
    form = UpdateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        update = actions.write_update(petition=petition, author=request.user, **form.cleaned_data)
        messages.success(request, _("Draft saved. Check the preview, then publish it."))
        return redirect("updates:preview", pk=update.pk)
    return _edit_page(request, form, petition=petition, kind="update")


@login_required
@require_http_methods(["GET", "POST"])
def new_press_release(request, slug):
    organisation = organisation_for_press(request.user, slug)
    form = UpdateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        update = actions.write_press_release(
            organisation=organisation, author=request.user, **form.cleaned_data
        )
        messages.success(request, _("Draft saved. Check the preview, then publish it."))
        return redirect("updates:preview", pk=update.pk)
    return _edit_page(request, form, organisation=organisation, kind="press_release")


@login_required
@require_GET
def press_manage(request, slug):
    organisation = organisation_for_press(request.user, slug)
    releases = (
        Update.objects.press_releases()
        .filter(organisation=organisation)
        .with_links()
        .order_by("status", "-published_at", "-modified_at")
    )
    return render(
        request,
        "updates/press_manage.html",
        {"organisation": organisation, "page": _page(request, releases)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    update = update_for_edit(request.user, pk)
    if not update.is_editable:
        messages.error(
            request, _("Imported posts are edited where they came from, then imported again.")
        )
        return redirect("updates:preview", pk=pk)
    initial = {
        "title": update.title,
        "body": update.body,
        "title_es": update.title_es,
        "body_es": update.body_es,
    }
    form = UpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        was_scheduled = update.status == Update.Status.SCHEDULED
        update = actions.edit_update(update=update, **form.cleaned_data)
        if was_scheduled and update.status == Update.Status.DRAFT:
            messages.warning(
                request,
                _(
                    "Saved. It was scheduled to be emailed, so it is a draft again: send yourself "
                    "a test of the new words, then schedule it again."
                ),
            )
        else:
            messages.success(request, _("Saved."))
        return redirect("updates:preview", pk=pk)
    return _edit_page(request, form, update=update, kind=update.kind)


def _preview_page(request, update: Update, *, form=None, error=None, status=200):
    mailing = Mailing.objects.filter(update=update).first()
    context = {
        "update": update,
        "form": form or PublishForm(mailable=update.can_be_mailed),
        "error": error,
        "mailing": mailing,
        "time_zone": settings.TIME_ZONE,
    }
    if update.can_be_mailed:
        context.update(
            email=emails.petition_update_preview(update),
            recipient_count=actions.recipients_of(update.petition).count(),
            next_mailing_at=actions.next_mailing_allowed_at(update.petition),
            sent_count=mailing.recipients.exclude(sent_at=None).count() if mailing else 0,
        )
    return render(request, "updates/preview.html", context, status=status)


@login_required
@require_GET
def preview(request, pk):
    return _preview_page(request, update_for_edit(request.user, pk))


def _run(request, update: Update, action, success: str, **arguments):
    """Call ``action``; on refusal show the preview again with the reason and its status."""
    try:
        action(update=update, **arguments)
    except ActionError as error:
        update.refresh_from_db()
        return _preview_page(request, update, error=error.message, status=error.status)
    messages.success(request, success)
    return redirect("updates:preview", pk=update.pk)


@login_required
@require_POST
def test_send(request, pk):
    update = update_for_edit(request.user, pk)
    return _run(
        request,
        update,
        actions.send_test,
        _("A test is on its way to %(email)s.") % {"email": request.user.email},
        to=request.user,
    )


@login_required
@require_POST
def publish(request, pk):
    update = update_for_edit(request.user, pk)
    form = PublishForm(request.POST, mailable=update.can_be_mailed)
    if not form.is_valid():
        return _preview_page(request, update, form=form, status=422)
    email_signers = form.cleaned_data.get("email_signers", False)
    if form.cleaned_data["when"] == "later":
        return _run(
            request, update, actions.schedule_update, "Scheduled.",
            publish_at=form.cleaned_data["publish_at"], email_signers=email_signers,
        )  # fmt: skip
    done = "Published, and on its way to signers." if email_signers else "Published."
    return _run(
        request, update, actions.publish_update, done, by=request.user, email_signers=email_signers
    )


@login_required
@require_POST
def withdraw(request, pk):
    update = update_for_edit(request.user, pk)
    return _run(request, update, actions.withdraw_update, "Back to draft: it is no longer public.")


@login_required
@require_POST
def mail(request, pk):
    update = update_for_edit(request.user, pk)
    return _run(request, update, actions.mail_update, "On its way to signers.", by=request.user)


@login_required
@require_POST
def update_settings(request, slug):
    petition = petition_for_updates(request.user, slug)
    form = UpdateSettingsForm(request.POST)
    form.is_valid()  # two check boxes: always valid
    actions.set_update_settings(petition=petition, **form.cleaned_data)
    messages.success(request, _("Milestone settings saved."))
    return redirect("petitions:dashboard", slug=slug)
