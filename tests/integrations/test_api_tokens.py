"""API tokens: scopes, refusals, expiry, revocation, rate limits, the audit of personal data."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from groundswell.integrations import actions
from groundswell.integrations.models import ApiToken, PersonalDataRead, Scope
from groundswell.moderation.models import AuditEntry
from groundswell.petitions.models import Signature
from tests.conftest import sign, sign_and_confirm
from tests.integrations.conftest import ALL_SCOPES, bearer, make_token

SIGNER = {"name": "Ann Lee", "email": "ann@example.com", "postcode": "10001", "country": "US"}

# Every operation that needs a token, with the scope it needs.
SCOPED = [
    ("get", "/api/v1/organisation/petitions", Scope.PETITIONS_READ),
    ("get", "/api/v1/petitions/{slug}/signers", Scope.SIGNATURES_READ),
    ("post", "/api/v1/petitions/{slug}/signers", Scope.SIGNATURES_WRITE),
    ("get", "/api/v1/webhooks/endpoints", Scope.WEBHOOKS_MANAGE),
    ("post", "/api/v1/webhooks/endpoints", Scope.WEBHOOKS_MANAGE),
    ("get", "/api/v1/webhooks/endpoints/{endpoint}", Scope.WEBHOOKS_MANAGE),
    ("delete", "/api/v1/webhooks/endpoints/{endpoint}", Scope.WEBHOOKS_MANAGE),
    ("post", "/api/v1/webhooks/endpoints/{endpoint}/rotate-secret", Scope.WEBHOOKS_MANAGE),
    ("post", "/api/v1/webhooks/endpoints/{endpoint}/enable", Scope.WEBHOOKS_MANAGE),
    ("get", "/api/v1/webhooks/endpoints/{endpoint}/deliveries", Scope.WEBHOOKS_MANAGE),
    ("post", "/api/v1/webhooks/deliveries/{delivery}/redeliver", Scope.WEBHOOKS_MANAGE),
]


@pytest.fixture
def endpoint(union, alice):
    return actions.create_endpoint(
        organisation=union,
        created_by=alice,
        url="https://hooks.example.org/in",
        events=["signature.confirmed"],
    )


def _call(client, method, path, petition, endpoint, headers):
    from groundswell.integrations.models import WebhookDelivery

    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, body="[]", event_count=0, event_types=[]
    )
    url = path.format(slug=petition.slug, endpoint=endpoint.pk, delivery=delivery.pk)
    body = {**SIGNER, "url": "https://hooks.example.org/two", "events": ["update.published"]}
    return getattr(client, method)(url, body, content_type="application/json", **headers)


@pytest.mark.parametrize(("method", "path", "scope"), SCOPED)
def test_every_token_operation_refuses_a_token_without_its_scope(
    client, union, petition, endpoint, method, path, scope
):
    _token, secret = make_token(union, *[s for s in ALL_SCOPES if s != scope])
    response = _call(client, method, path, petition, endpoint, bearer(secret))
    assert response.status_code == 403
    assert scope in response.json()["detail"]


@pytest.mark.parametrize(("method", "path", "scope"), SCOPED)
def test_every_token_operation_refuses_a_request_without_a_token(
    client, union, petition, endpoint, method, path, scope
):
    response = _call(client, method, path, petition, endpoint, {})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path", "scope"), SCOPED)
def test_every_token_operation_accepts_a_token_with_its_scope(
    client, union, petition, endpoint, method, path, scope
):
    _token, secret = make_token(union, scope)
    response = _call(client, method, path, petition, endpoint, bearer(secret))
    assert response.status_code in {200, 201, 202, 204}, response.content


def test_an_expired_token_gets_401(client, union, petition):
    _token, secret = make_token(
        union, Scope.SIGNATURES_READ, expires_at=timezone.now() + timedelta(days=1)
    )
    url = f"/api/v1/petitions/{petition.slug}/signers"
    assert client.get(url, **bearer(secret)).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        response = client.get(url, **bearer(secret))
    assert response.status_code == 401
    assert response.json() == {"detail": "This API token has expired."}


def test_a_revoked_token_gets_401(client, union, petition):
    token, secret = make_token(union, Scope.SIGNATURES_READ)
    actions.revoke_token(token=token)
    response = client.get(f"/api/v1/petitions/{petition.slug}/signers", **bearer(secret))
    assert response.status_code == 401
    assert response.json() == {"detail": "This API token has been revoked."}


def test_an_unknown_token_gets_401(client, union, petition):
    _token, secret = make_token(union, Scope.SIGNATURES_READ)
    response = client.get(
        f"/api/v1/petitions/{petition.slug}/signers", **bearer(secret[:-2] + "xx")
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "This API token is not valid."}


def test_the_token_is_kept_only_as_a_digest(union):
    token, secret = make_token(union, Scope.PETITIONS_READ)
    token.refresh_from_db()
    assert secret.startswith("gs_") and len(secret) > 40
    assert secret not in {token.digest, token.hint, token.name}
    assert token.digest == ApiToken.digest_of(secret)


def test_a_request_records_when_the_token_was_last_used(client, union):
    token, secret = make_token(union, Scope.PETITIONS_READ)
    assert token.last_used_at is None
    client.get("/api/v1/organisation/petitions", **bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_is_rate_limited_on_its_own(client, settings, union, charlie):
    settings.RATELIMIT_ENABLE = True
    settings.API_TOKEN_RATE = "3/m"
    _token, secret = make_token(union, Scope.PETITIONS_READ)
    _other, other_secret = make_token(charlie.organisations.get(), Scope.PETITIONS_READ)
    url = "/api/v1/organisation/petitions"
    statuses = [client.get(url, **bearer(secret)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get(url, **bearer(other_secret)).status_code == 200  # its own budget


def test_reading_signers_gives_their_details_and_is_audited(client, union, petition):
    token, secret = make_token(union, Scope.SIGNATURES_READ)
    sign_and_confirm(petition, "ann@example.com", name="Ann Lee")
    response = client.get(f"/api/v1/petitions/{petition.slug}/signers", **bearer(secret))
    assert response.status_code == 200
    [signer] = response.json()["items"]
    assert signer["email"] == "ann@example.com" and signer["status"] == "confirmed"
    [read] = PersonalDataRead.objects.all()
    assert (read.token, read.organisation, read.count) == (token, union, 1)
    assert "ann@example.com" not in read.what and "Ann" not in read.what
    [entry] = AuditEntry.objects.filter(action=AuditEntry.Action.SIGNERS_READ_WITH_TOKEN)
    assert (entry.petition_id, entry.actor_id) == (petition.pk, token.created_by_id)
    assert token.name in entry.subject and "1 rows" in entry.reason
    assert "ann@example.com" not in entry.reason + entry.subject


def test_signers_are_filtered_by_status_and_since(client, union, petition):
    _token, secret = make_token(union, Scope.SIGNATURES_READ)
    with time_machine.travel(timezone.now() - timedelta(days=2)):
        sign_and_confirm(petition, "old@example.com")
    sign_and_confirm(petition, "new@example.com")
    sign(petition, "waiting@example.com")
    url = f"/api/v1/petitions/{petition.slug}/signers"

    def emails(**query):
        response = client.get(url, query, **bearer(secret))
        assert response.status_code == 200, response.content
        return [s["email"] for s in response.json()["items"]]

    assert emails() == ["old@example.com", "new@example.com"]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert emails(since=since) == ["new@example.com"]
    assert emails(status="pending") == ["waiting@example.com"]
    bad = client.get(url, {"status": "deleted"}, **bearer(secret))
    assert bad.status_code == 422


def test_a_token_cannot_read_another_organisations_signers(client, charlie, petition):
    _token, secret = make_token(charlie.organisations.get(), Scope.SIGNATURES_READ)
    response = client.get(f"/api/v1/petitions/{petition.slug}/signers", **bearer(secret))
    assert response.status_code == 404
    assert not PersonalDataRead.objects.exists()


def test_the_organisations_petitions_include_drafts(client, union, petition, draft):
    _token, secret = make_token(union, Scope.PETITIONS_READ)
    data = client.get("/api/v1/organisation/petitions", **bearer(secret)).json()
    assert {p["slug"]: p["status"] for p in data["items"]} == {
        petition.slug: "open",
        draft.slug: "draft",
    }


def test_adding_a_signer_asks_them_to_confirm(
    client, union, petition, mailoutbox, django_capture_on_commit_callbacks
):
    _token, secret = make_token(union, Scope.SIGNATURES_WRITE)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/petitions/{petition.slug}/signers",
            SIGNER,
            content_type="application/json",
            **bearer(secret),
        )
    assert response.status_code == 202
    assert Signature.objects.get().status == Signature.Status.PENDING
    assert len(mailoutbox) == 1
    bad = client.post(
        f"/api/v1/petitions/{petition.slug}/signers",
        {**SIGNER, "email": "not an address"},
        content_type="application/json",
        **bearer(secret),
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "email"]


def test_the_schema_declares_the_token_scheme_and_each_operations_scope(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["components"]["securitySchemes"]["ApiToken"] == {
        "type": "http",
        "scheme": "bearer",
    }
    for method, path, scope in SCOPED:
        path = path.replace("{slug}", "{slug}").replace("{endpoint}", "{endpoint_id}")
        path = path.replace("{delivery}", "{delivery_id}")
        operation = schema["paths"][path][method]
        assert operation["security"] == [{"ApiToken": [scope]}], path
    assert "security" not in schema["paths"]["/api/v1/petitions"]["get"]
