"""The organisation's integrations page: owners only; a token is shown once."""

import pytest
from django.urls import reverse

from groundswell.integrations import actions
from groundswell.integrations.models import ApiToken, WebhookDelivery, WebhookEndpoint
from tests.conftest import PASSWORD


@pytest.fixture
def endpoint(union):
    return actions.create_endpoint(
        organisation=union,
        created_by=None,
        url="https://hooks.example.org/in",
        events=["signature.confirmed"],
    )


def _pages(union, endpoint):
    token, _secret = actions.create_token(
        organisation=union, created_by=None, name="t", scopes=["petitions:read"]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, body="[]", event_count=0, event_types=[]
    )
    slug = union.slug
    return [
        ("get", reverse("integrations:settings", args=[slug])),
        ("post", reverse("integrations:create_token", args=[slug])),
        ("post", reverse("integrations:revoke_token", args=[slug, token.pk])),
        ("post", reverse("integrations:create_endpoint", args=[slug])),
        ("get", reverse("integrations:endpoint", args=[slug, endpoint.pk])),
        ("post", reverse("integrations:rotate_secret", args=[slug, endpoint.pk])),
        ("post", reverse("integrations:enable_endpoint", args=[slug, endpoint.pk])),
        ("post", reverse("integrations:delete_endpoint", args=[slug, endpoint.pk])),
        ("post", reverse("integrations:redeliver", args=[slug, delivery.pk])),
    ]


def test_a_colleague_who_is_not_an_owner_is_refused_every_page(client, union, bob, endpoint):
    client.login(email=bob.email, password=PASSWORD)
    for method, url in _pages(union, endpoint):
        response = getattr(client, method)(url, {"name": "x", "scopes": ["petitions:read"]})
        assert response.status_code == 403, url
    assert WebhookEndpoint.objects.count() == 1 and ApiToken.objects.count() == 1


def test_an_outsider_is_refused_every_page(client, union, charlie, endpoint):
    client.login(email=charlie.email, password=PASSWORD)
    for method, url in _pages(union, endpoint):
        assert getattr(client, method)(url).status_code == 404, url


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(client, union, endpoint):
    for method, url in _pages(union, endpoint):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_owner_creates_a_token_that_is_shown_once(client, union, alice):
    client.login(email=alice.email, password=PASSWORD)
    page = reverse("integrations:settings", args=[union.slug])
    assert (
        "API tokens and webhooks"
        in client.get(reverse("accounts:organisation", args=[union.slug])).content.decode()
    )
    response = client.post(
        reverse("integrations:create_token", args=[union.slug]),
        {"name": "CRM sync", "scopes": ["petitions:read", "signatures:read"]},
    )
    assert response.status_code == 201
    token = ApiToken.objects.get()
    secret = response.context["new_secret"]
    assert secret in response.content.decode()
    assert token.digest == ApiToken.digest_of(secret)
    assert token.scopes == ["petitions:read", "signatures:read"]
    again = client.get(page).content.decode()
    assert secret not in again and "CRM sync" in again and "never" in again  # not used yet


def test_a_token_without_a_scope_or_with_a_past_expiry_is_refused_with_a_message(
    client, union, alice
):
    client.login(email=alice.email, password=PASSWORD)
    url = reverse("integrations:create_token", args=[union.slug])
    response = client.post(url, {"name": "x"})
    assert response.status_code == 422 and "scopes" in response.context["token_form"].errors
    response = client.post(
        url, {"name": "x", "scopes": ["petitions:read"], "expires_on": "2001-01-01"}
    )
    assert response.status_code == 422 and "expires_on" in response.context["token_form"].errors
    assert not ApiToken.objects.exists()


def test_the_owner_revokes_a_token(client, union, alice):
    token, _secret = actions.create_token(
        organisation=union, created_by=alice, name="t", scopes=["petitions:read"]
    )
    client.login(email=alice.email, password=PASSWORD)
    client.post(reverse("integrations:revoke_token", args=[union.slug, token.pk]))
    token.refresh_from_db()
    assert token.status() == ApiToken.Status.REVOKED


def test_the_owner_registers_an_endpoint_and_sees_its_secret(client, union, alice):
    client.login(email=alice.email, password=PASSWORD)
    response = client.post(
        reverse("integrations:create_endpoint", args=[union.slug]),
        {"url": "https://hooks.example.org/in", "events": ["signature.confirmed"]},
    )
    assert response.status_code == 201
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in response.content.decode()


def test_a_plain_http_endpoint_is_refused_in_production(client, settings, union, alice):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    client.login(email=alice.email, password=PASSWORD)
    response = client.post(
        reverse("integrations:create_endpoint", args=[union.slug]),
        {"url": "http://hooks.example.org/in", "events": ["signature.confirmed"]},
    )
    assert response.status_code == 422
    assert "https://" in response.context["endpoint_form"].errors["url"][0]


def test_the_owner_sees_attempts_and_redelivers_from_the_endpoint_page(
    client, union, alice, endpoint, django_capture_on_commit_callbacks
):
    from groundswell.integrations.models import DeliveryAttempt

    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        body='[{"id":"evt_1"}]',
        event_count=1,
        event_types=["signature.confirmed"],
    )
    DeliveryAttempt.objects.create(
        delivery=delivery, succeeded=False, status_code=502, error="The endpoint answered 502."
    )
    client.login(email=alice.email, password=PASSWORD)
    page = client.get(reverse("integrations:endpoint", args=[union.slug, endpoint.pk]))
    assert "The endpoint answered 502." in page.content.decode()
    assert delivery.message_id in page.content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("integrations:redeliver", args=[union.slug, delivery.pk]))
    assert response.status_code == 302
    again = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert again.events == delivery.events and again.redelivery_of == delivery
