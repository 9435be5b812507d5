"""Webhook endpoints and their deliveries, for tools holding ``webhooks:manage``."""

from datetime import datetime

from django.http import Http404
from django.utils.translation import gettext
from ninja import Field, Router, Schema, Status

from groundswell.api.auth import needs
from groundswell.api.pagination import Page, page, paginate
from groundswell.api.schemas import Error
from groundswell.core.errors import ActionError
from groundswell.integrations import actions
from groundswell.integrations.forms import EndpointForm
from groundswell.integrations.models import Scope, WebhookDelivery, WebhookEndpoint

router = Router(tags=["webhooks"])

ERRORS = {401: Error, 403: Error, 404: Error, 409: Error, 422: Error, 429: Error}
MANAGE = needs(Scope.WEBHOOKS_MANAGE)


class WebhookEndpointIn(Schema):
    url: str
    events: list[str] = Field(
        description="signature.confirmed, petition.milestone, petition.answered, update.published"
    )
    description: str = ""


class WebhookEndpointOut(Schema):
    id: int
    url: str
    description: str
    events: list[str]
    status: str = Field(description="active, or disabled (after 24 hours of failures)")
    failing_since: datetime | None
    created_at: datetime


class WebhookEndpointWithSecretOut(WebhookEndpointOut):
    secret: str = Field(description="whsec_…: shown when created or rotated, keep it safe")


class DeliveryAttemptOut(Schema):
    at: datetime
    succeeded: bool
    status_code: int | None
    error: str


class WebhookDeliveryOut(Schema):
    id: int
    webhook_id: str = Field(description="The webhook-id header it is sent with")
    status: str = Field(description="pending, succeeded or failed")
    event_types: list[str]
    event_count: int
    created_at: datetime
    next_attempt_at: datetime | None
    attempts: list[DeliveryAttemptOut]


def _endpoint(request, endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(
        pk=endpoint_id, organisation=request.auth.organisation
    ).first()
    if endpoint is None:
        raise Http404(gettext("Your organisation has no webhook endpoint with this id."))
    return endpoint


def _endpoint_out(endpoint: WebhookEndpoint, *, secret: bool = False) -> dict:
    out = {
        "id": endpoint.pk,
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.events,
        "status": endpoint.status,
        "failing_since": endpoint.failing_since,
        "created_at": endpoint.created_at,
    }
    return {**out, "secret": endpoint.secret} if secret else out


def _delivery_out(delivery: WebhookDelivery) -> dict:
    pending = delivery.status == WebhookDelivery.Status.PENDING
    return {
        "id": delivery.pk,
        "webhook_id": delivery.message_id,
        "status": delivery.status,
        "event_types": delivery.event_types,
        "event_count": delivery.event_count,
        "created_at": delivery.created_at,
        "next_attempt_at": delivery.next_attempt_at if pending else None,
        "attempts": [
            {"at": a.at, "succeeded": a.succeeded, "status_code": a.status_code, "error": a.error}
            for a in delivery.tries.all()
        ],
    }


def _form_errors(form) -> dict:
    return {
        "detail": [
            {"loc": ["body", field], "msg": str(message), "type": "value_error"}
            for field, messages in form.errors.items()
            for message in messages
        ]
    }


@router.get(
    "/webhooks/endpoints",
    response={200: Page[WebhookEndpointOut], **ERRORS},
    summary="Your organisation's webhook endpoints",
    **MANAGE,
)
def list_endpoints(request, limit: int | None = None, cursor: str | None = None):
    endpoints = WebhookEndpoint.objects.filter(organisation=request.auth.organisation)
    items, next_url = paginate(request, endpoints, key=("pk",), limit=limit, cursor=cursor)
    return page([_endpoint_out(e) for e in items], next_url)


@router.post(
    "/webhooks/endpoints",
    response={201: WebhookEndpointWithSecretOut, **ERRORS},
    summary="Register an endpoint; the answer holds its signing secret",
    **MANAGE,
)
def create_endpoint(request, payload: WebhookEndpointIn):
    form = EndpointForm({"url": payload.url, "description": payload.description})
    form.fields["events"].required = False
    if not form.is_valid():
        return Status(422, _form_errors(form))
    try:
        endpoint = actions.create_endpoint(
            organisation=request.auth.organisation,
            created_by=None,
            url=form.cleaned_data["url"],
            events=payload.events,
            description=form.cleaned_data["description"],
        )
    except ActionError as error:
        return Status(error.status, {"detail": error.message})
    return Status(201, _endpoint_out(endpoint, secret=True))


@router.get(
    "/webhooks/endpoints/{endpoint_id}",
    response={200: WebhookEndpointOut, **ERRORS},
    summary="One endpoint",
    **MANAGE,
)
def get_endpoint(request, endpoint_id: int):
    return _endpoint_out(_endpoint(request, endpoint_id))


@router.delete(
    "/webhooks/endpoints/{endpoint_id}",
    response={204: None, **ERRORS},
    summary="Remove an endpoint and its deliveries",
    **MANAGE,
)
def delete_endpoint(request, endpoint_id: int):
    actions.delete_endpoint(endpoint=_endpoint(request, endpoint_id))
    return Status(204, None)


@router.post(
    "/webhooks/endpoints/{endpoint_id}/rotate-secret",
    response={200: WebhookEndpointWithSecretOut, **ERRORS},
    summary="A new signing secret; the old one also signs for 24 hours",
    **MANAGE,
)
def rotate_secret(request, endpoint_id: int):
    endpoint = actions.rotate_secret(endpoint=_endpoint(request, endpoint_id))
    return _endpoint_out(endpoint, secret=True)


@router.post(
    "/webhooks/endpoints/{endpoint_id}/enable",
    response={200: WebhookEndpointOut, **ERRORS},
    summary="Send to a disabled endpoint again",
    **MANAGE,
)
def enable_endpoint(request, endpoint_id: int):
    return _endpoint_out(actions.enable_endpoint(endpoint=_endpoint(request, endpoint_id)))


@router.get(
    "/webhooks/endpoints/{endpoint_id}/deliveries",
    response={200: Page[WebhookDeliveryOut], **ERRORS},
    summary="An endpoint's deliveries and their attempts, newest first",
    **MANAGE,
)
def list_deliveries(request, endpoint_id: int, limit: int | None = None, cursor: str | None = None):
    endpoint = _endpoint(request, endpoint_id)
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).prefetch_related("tries")
    items, next_url = paginate(request, deliveries, key=("-pk",), limit=limit, cursor=cursor)
    return page([_delivery_out(d) for d in items], next_url)


@router.post(
    "/webhooks/deliveries/{delivery_id}/redeliver",
    response={202: WebhookDeliveryOut, **ERRORS},
    summary="Send a delivery's events again, as a new delivery",
    **MANAGE,
)
def redeliver(request, delivery_id: int):
    delivery = (
        WebhookDelivery.objects.select_related("endpoint")
        .filter(pk=delivery_id, endpoint__organisation=request.auth.organisation)
        .first()
    )
    if delivery is None:
        raise Http404(gettext("Your organisation has no delivery with this id."))
    try:
        again = actions.redeliver(delivery=delivery)
    except ActionError as error:
        return Status(error.status, {"detail": error.message})
    return Status(202, _delivery_out(again))
