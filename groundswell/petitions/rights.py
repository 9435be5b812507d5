"""Signers' rights: withdraw a signature, ask for my data, erase everything.

Each link from an email shows what will happen and asks for a POST; a GET changes nothing.
Bad links (tampered, expired, used) get ``core/link_error.html`` with the reason.
"""

from django.conf import settings
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from groundswell.core import ratelimit
from groundswell.core.email_address import normalise_email
from groundswell.core.errors import ActionError
from groundswell.core.tasks import enqueue_on_commit
from groundswell.petitions import actions, tasks
from groundswell.petitions.forms import MyDataForm
from groundswell.petitions.models import Signature
from groundswell.petitions.personal_data import seal_address


def _private(response):
    patch_cache_control(response, private=True, no_store=True)
    return response


def _link_error(request, error: ActionError):
    return _private(render(request, "core/link_error.html", {"error": error}, status=error.status))


@require_http_methods(["GET", "POST"])
def withdraw(request, token):
    try:
        if request.method == "POST":
            signature = actions.withdraw_signature(token=token)
            page = "petitions/withdrawn.html"
        else:
            signature = actions.signature_to_withdraw(token=token)
            page = "petitions/withdraw.html"
    except ActionError as error:
        return _link_error(request, error)
    context = {
        "signature": signature,
        "petition": signature.petition,
        "counted": signature.status in Signature.COUNTED,
    }
    return _private(render(request, page, context))


@require_http_methods(["GET", "POST"])
def my_data(request):
    form = MyDataForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            ratelimit.limit_by_ip(
                request, group="my-data", rate=settings.GROUNDSWELL["MY_DATA_RATE_PER_IP"]
            )
            ratelimit.check(
                request,
                group="my-data-email",
                rate=settings.GROUNDSWELL["MY_DATA_RATE_PER_EMAIL"],
                value=normalise_email(email),  # one inbox, however it is spelt
            )
        except ratelimit.RateLimited as limit:
            form.add_error(None, limit.message)
            return _private(render(request, "petitions/my_data.html", {"form": form}, status=429))
        # In the language of the page it was asked from.
        enqueue_on_commit(tasks.send_personal_data, seal_address(email), get_language())
        # The same answer whether or not anything is held under the address.
        return _private(render(request, "petitions/my_data_sent.html", {"email": email}))
    status = 422 if request.method == "POST" else 200
    return _private(render(request, "petitions/my_data.html", {"form": form}, status=status))


@require_http_methods(["GET", "POST"])
def erase(request, token):
    try:
        if request.method == "POST":
            done = actions.erase_personal_data(token=token)
            return _private(render(request, "petitions/erased.html", done))
        held = actions.erasure_to_confirm(token=token)
    except ActionError as error:
        return _link_error(request, error)
    return _private(render(request, "petitions/erase.html", held))
