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
