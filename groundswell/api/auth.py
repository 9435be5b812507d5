"""Bearer tokens for the API: ``Authorization: Bearer gs_…`` (docs/api.md, "Tokens").

Each protected operation names the one scope it needs: ``@router.get(..., **needs(Scope.X))``
sets the authentication and declares the scope in the OpenAPI schema.
"""

from django.conf import settings
from django.utils.translation import gettext
from ninja.errors import HttpError
from ninja.security import HttpBearer

from groundswell.core import ratelimit
from groundswell.integrations import actions
from groundswell.integrations.models import ApiToken

SCHEME = "ApiToken"


class ApiTokenAuth(HttpBearer):
    """Answers 401 for an unknown, revoked or expired token, 403 without the scope."""

    def __init__(self, scope: str):
        super().__init__()
        self.scope = scope

    def authenticate(self, request, token: str) -> ApiToken:
        api_token = actions.authenticate_token(token)  # TokenRefused: 401
        ratelimit.check(
            request, group="api-token", rate=settings.API_TOKEN_RATE, value=str(api_token.pk)
        )
        if not api_token.has_scope(self.scope):
            raise HttpError(
                403,
                gettext("This token does not have the %(scope)s scope.") % {"scope": self.scope},
            )
        return api_token


# The scheme's name in the schema is the class name; keep it stable for clients.
ApiTokenAuth.__name__ = SCHEME


def needs(scope: str) -> dict:
    """Operation arguments: bearer authentication and the scope, also in the schema."""
    return {
        "auth": ApiTokenAuth(scope),
        "openapi_extra": {"x-scopes": [str(scope)]},  # into `security` by urls.ScopedAPI
    }
