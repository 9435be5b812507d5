"""System checks for what production must not run without (``manage.py check --deploy``).

bin/serve runs the deploy checks before it starts anything, and stops on an error; make lint
runs them with production settings.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def email_is_configured(app_configs=None, **kwargs) -> list[Error]:
    """Without EMAIL_URL every message goes to files under var/ (core/mail.py): fine on a
    laptop, but in production it keeps a copy of every email on disk, among them a help
    seeker's notify address that is otherwise sealed (docs/privacy.md), and sends none."""
    if settings.DEBUG or settings.EMAIL_URL:
        return []
    return [
        Error(
            "EMAIL_URL is not set: every email would be written to files under var/mail/ "
            "and none would be sent.",
            hint="Set EMAIL_URL to your SMTP server (smtp+tls://user:password@host:587), "
            "or to file:// to keep writing them to files on purpose (docs/deploy.md).",
            id="groundswell.E001",
        )
    ]


@register(Tags.security, deploy=True)
def rate_limits_are_shared(app_configs=None, **kwargs) -> list[Error]:
    """Production keeps its rate limits and login locks in Redis, shared by every process.

    Without it each web process (and the signing service) counts on its own, so a password
    guesser gets WEB_WORKERS times the allowance and a lock lasts only as long as the
    process that set it.
    """
    if settings.DEBUG or settings.REDIS_URL:
        return []
    return [
        Error(
            "REDIS_URL is not set: rate limits and login locks would be counted per process.",
            hint="Set REDIS_URL (for example redis://127.0.0.1:6379/0); see docs/deploy.md.",
            id="groundswell.E002",
        )
    ]
