"""System checks of our own, run by `manage.py check` (and `--deploy` in make lint)."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def rate_limits_are_shared(app_configs, **kwargs):
    """Production keeps its rate limits and login locks in Redis, shared by every process.

    Without it each web process (and the signing service) counts on its own, so a password
    guesser gets WEB_WORKERS times the allowance and a lock lasts only as long as the
    process that set it (issue 12).
    """
    if settings.DEBUG or settings.REDIS_URL:
        return []
    return [
        Error(
            "REDIS_URL is not set: rate limits and login locks would be counted per process.",
            hint="Set REDIS_URL (for example redis://127.0.0.1:6379/0); see docs/deploy.md.",
            id="groundswell.E001",
        )
    ]
