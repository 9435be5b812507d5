"""Who may manage an organisation's tokens and webhooks: its owners. Each returns or raises."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.access import organisation_for_owner
from groundswell.integrations.models import ApiToken, WebhookDelivery, WebhookEndpoint


def token_for_owner(user, slug: str, token_id: int) -> ApiToken:
    organisation = organisation_for_owner(user, slug)
    token = ApiToken.objects.filter(pk=token_id, organisation=organisation).first()
    if token is None:
        raise Http404(_("No such token."))
    return token


def endpoint_for_owner(user, slug: str, endpoint_id: int) -> WebhookEndpoint:
    organisation = organisation_for_owner(user, slug)
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, organisation=organisation).first()
    if endpoint is None:
        raise Http404(_("No such webhook endpoint."))
    return endpoint


def delivery_for_owner(user, slug: str, delivery_id: int) -> WebhookDelivery:
    organisation = organisation_for_owner(user, slug)
    delivery = (
        WebhookDelivery.objects.select_related("endpoint")
        .filter(pk=delivery_id, endpoint__organisation=organisation)
        .first()
    )
    if delivery is None:
        raise Http404(_("No such delivery."))
    return delivery


# --- For API tokens (groundswell/api/webhooks.py): the token's organisation ---------------


def endpoints_of_organisation(organisation):
    return WebhookEndpoint.objects.filter(organisation=organisation)


def endpoint_of_organisation(organisation, endpoint_id: int) -> WebhookEndpoint:
    endpoint = endpoints_of_organisation(organisation).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise Http404(_("Your organisation has no webhook endpoint with this id."))
    return endpoint


def deliveries_of_endpoint(endpoint: WebhookEndpoint):
    """An endpoint already checked by ``endpoint_of_organisation``: its deliveries."""
    return WebhookDelivery.objects.filter(endpoint=endpoint).prefetch_related("tries")


def delivery_of_organisation(organisation, delivery_id: int) -> WebhookDelivery:
    delivery = (
        WebhookDelivery.objects.select_related("endpoint")
        .filter(pk=delivery_id, endpoint__organisation=organisation)
        .first()
    )
    if delivery is None:
        raise Http404(_("Your organisation has no delivery with this id."))
    return delivery
