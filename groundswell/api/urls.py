from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import HttpError

from groundswell.api.petitions import router as petitions_router
from groundswell.api.targets import router as targets_router
from groundswell.api.updates import router as updates_router
from groundswell.core.ratelimit import RateLimited

api = NinjaAPI(
    title=f"{settings.SITE_NAME} API",
    version="1",
    description="Petitions, their counts and signing. Stable field names: outside tools read them.",
    urls_namespace="api",
)
api.add_router("/petitions", petitions_router)
api.add_router("/targets", targets_router)
api.add_router("", updates_router)  # declares /petitions/{slug}/updates itself


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Not found."}, status=404)


@api.exception_handler(RequestDataTooBig)
def too_big(request, exc):
    """413 in JSON: without this, a 500 with DEBUG on and an HTML 400 with it off."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    detail = f"The request body is too large: send at most {limit} MiB."
    return api.create_response(request, {"detail": detail}, status=413)


@api.exception_handler(RateLimited)
def rate_limited(request, exc):
    response = api.create_response(request, {"detail": exc.message}, status=429)
    response["Retry-After"] = "60"
    return response


__all__ = ["HttpError", "api"]
