from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError

from groundswell.api.auth import SCHEME
from groundswell.api.letters import router as letters_router
from groundswell.api.organisation import router as organisation_router
from groundswell.api.petitions import router as petitions_router
from groundswell.api.targets import router as targets_router
from groundswell.api.updates import router as updates_router
from groundswell.api.webhooks import router as webhooks_router
from groundswell.api.writing import router as writing_router
from groundswell.core.ratelimit import RateLimited
from groundswell.integrations.actions import TokenRefused


class ScopedAPI(NinjaAPI):
    """Declares in each operation's security requirement the scope its token needs.

    django-ninja lists bearer schemes without scopes; OpenAPI 3.1 lets a requirement of any
    scheme name the roles it needs, and each operation says its own in ``x-scopes``.
    """

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                if "x-scopes" in operation:
                    operation["security"] = [{SCHEME: operation["x-scopes"]}]
        return schema


api = ScopedAPI(
    title=f"{settings.SITE_NAME} API",
    version="1",
    description=(
        "Petitions, open letters and requests logs, their counts and signing. "
        "Stable field names: outside tools read them. "
        "An organisation's own data needs an API token with the scope each operation names; "
        "every list is cursor-paginated (docs/api.md)."
    ),
    urls_namespace="api",
)
api.add_router("/petitions", petitions_router)
api.add_router("/targets", targets_router)
api.add_router("", updates_router)  # declares /petitions/{slug}/updates itself
api.add_router("", organisation_router)  # /organisation/petitions, /petitions/{slug}/signers
api.add_router("", webhooks_router)  # /webhooks/...
api.add_router("", letters_router)  # /letters/..., /requests-logs/...
api.add_router("/writing", writing_router)  # write to your official (docs/letters.md)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or gettext("Not found.")}, status=404)


@api.exception_handler(RequestDataTooBig)
def too_big(request, exc):
    """413 in JSON: without this, a 500 with DEBUG on and an HTML 400 with it off."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    detail = gettext("The request body is too large: send at most %(limit)d MiB.") % {
        "limit": limit
    }
    return api.create_response(request, {"detail": detail}, status=413)


@api.exception_handler(AuthenticationError)
def no_token(request, exc):
    response = api.create_response(
        request, {"detail": gettext("Send an API token: Authorization: Bearer gs_…")}, status=401
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(TokenRefused)
def token_refused(request, exc):
    response = api.create_response(request, {"detail": exc.message}, status=401)
    response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


@api.exception_handler(RateLimited)
def rate_limited(request, exc):
    response = api.create_response(request, {"detail": exc.message}, status=429)
    response["Retry-After"] = "60"
    return response


__all__ = ["HttpError", "api"]
