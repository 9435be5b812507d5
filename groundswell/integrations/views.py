from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from groundswell.accounts.access import organisation_for_owner
from groundswell.core.errors import ActionError
from groundswell.integrations import access, actions
from groundswell.integrations.forms import EndpointForm, TokenForm
from groundswell.integrations.models import ApiToken, WebhookEndpoint


def _page(request, organisation, *, status=200, **context):
    context.setdefault("token_form", TokenForm())
    context.setdefault("endpoint_form", EndpointForm())
    return render(
        request,
        "integrations/settings.html",
        {
            "organisation": organisation,
            "tokens": ApiToken.objects.filter(organisation=organisation),
            "endpoints": WebhookEndpoint.objects.filter(organisation=organisation),
            **context,
        },
        status=status,
    )


@login_required
def settings_page(request, slug):
    return _page(request, organisation_for_owner(request.user, slug))


@login_required
@require_POST
def create_token(request, slug):
    organisation = organisation_for_owner(request.user, slug)
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, organisation, token_form=form, status=422)
    try:
        token, secret = actions.create_token(
            organisation=organisation,
            created_by=request.user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_at=form.expires_at(),
        )
    except ActionError as error:
        form.add_error(None, error.message)
        return _page(request, organisation, token_form=form, status=422)
    # Shown in this answer only: the page after a reload no longer has it.
    return _page(request, organisation, new_token=token, new_secret=secret, status=201)


@login_required
@require_POST
def revoke_token(request, slug, token_id):
    token = actions.revoke_token(token=access.token_for_owner(request.user, slug, token_id))
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("integrations:settings", slug)


@login_required
@require_POST
def create_endpoint(request, slug):
    organisation = organisation_for_owner(request.user, slug)
    form = EndpointForm(request.POST)
    if not form.is_valid():
        return _page(request, organisation, endpoint_form=form, status=422)
    endpoint = actions.create_endpoint(
        organisation=organisation, created_by=request.user, **form.cleaned_data
    )
    return _page(request, organisation, new_endpoint=endpoint, status=201)


@login_required
def endpoint_page(request, slug, endpoint_id):
    endpoint = access.endpoint_for_owner(request.user, slug, endpoint_id)
    deliveries = endpoint.deliveries.prefetch_related("tries")[:50]
    return render(
        request,
        "integrations/endpoint.html",
        {"organisation": endpoint.organisation, "endpoint": endpoint, "deliveries": deliveries},
    )


@login_required
@require_POST
def rotate_secret(request, slug, endpoint_id):
    endpoint = access.endpoint_for_owner(request.user, slug, endpoint_id)
    endpoint = actions.rotate_secret(endpoint=endpoint)
    return _page(request, endpoint.organisation, new_endpoint=endpoint, rotated=True)


@login_required
@require_POST
def enable_endpoint(request, slug, endpoint_id):
    endpoint = access.endpoint_for_owner(request.user, slug, endpoint_id)
    actions.enable_endpoint(endpoint=endpoint)
    messages.success(request, _("Deliveries to %(url)s start again.") % {"url": endpoint.url})
    return redirect("integrations:endpoint", slug, endpoint.pk)


@login_required
@require_POST
def delete_endpoint(request, slug, endpoint_id):
    endpoint = access.endpoint_for_owner(request.user, slug, endpoint_id)
    actions.delete_endpoint(endpoint=endpoint)
    messages.success(request, _("The endpoint %(url)s is removed.") % {"url": endpoint.url})
    return redirect("integrations:settings", slug)


@login_required
@require_POST
def redeliver(request, slug, delivery_id):
    delivery = access.delivery_for_owner(request.user, slug, delivery_id)
    try:
        actions.redeliver(delivery=delivery)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The events are queued to be sent again."))
    return redirect("integrations:endpoint", slug, delivery.endpoint_id)
