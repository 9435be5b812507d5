"""The people every test knows, and the petitions they run.

alice organises for the Federal Officers Union; bob is her colleague there; charlie is an
outsider with an organisation of his own; mo is staff (a moderator).
"""

import pytest
from django.core.cache import caches
from django.utils import translation

from groundswell.accounts.actions import create_organisation
from groundswell.accounts.models import Membership, User
from groundswell.core.cache import KEPT
from groundswell.core.tasks import _woken_until as wake_state
from groundswell.petitions import actions
from groundswell.petitions.actions import TargetInput
from groundswell.petitions.models import Petition

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_caches(settings):
    """Counts and rate limits never leak from one test into the next."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "webhooks"],
        }
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The immediate backend runs the mailer in every signer's own thread: fifty racing
    # signers with four SMTP sessions each would empty the connection pool. The mailer's
    # sessions side by side are tested on their own (test_signature_mailer.py).
    settings.MAILER_CONNECTIONS = 1
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    # Tests speak plain HTTP to the test client; TLS is the proxy's job in production.
    settings.SECURE_SSL_REDIRECT = False
    # No collectstatic before tests: plain storage instead of the hashed manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    for alias in ("default", "local"):
        caches[alias].clear()
    # A test that asked in Spanish must not leave this thread's language Spanish for the next
    # test's mail (LocaleMiddleware activates it and leaves it): the worker's is the site's.
    translation.activate(settings.LANGUAGE_CODE)
    wake_state.clear()  # which wake-ups this process has already enqueued
    for kept in KEPT.values():  # what this process keeps for itself (core/cache.py)
        kept.forget()
    declared = dict(KEPT)  # a fast path a test builds (page_seconds=0) declares its own
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # receivers in tests listen on loopback
    yield
    for alias in ("default", "local"):
        caches[alias].clear()
    KEPT.clear()
    KEPT.update(declared)


def make_user(email: str, name: str, **fields) -> User:
    from django.utils import timezone

    return User.objects.create_user(
        email, PASSWORD, name=name, email_verified_at=timezone.now(), **fields
    )


@pytest.fixture
def alice(db):
    user = make_user("alice@example.org", "Alice Organiser")
    create_organisation(name="Federal Officers Union", owner=user)
    return user


@pytest.fixture
def union(alice):
    return alice.organisations.get()


@pytest.fixture
def bob(union):
    user = make_user("bob@example.org", "Bob Colleague")
    Membership.objects.create(user=user, organisation=union, role=Membership.Role.EDITOR)
    return user


@pytest.fixture
def charlie(db):
    user = make_user("charlie@example.org", "Charlie Outsider")
    create_organisation(name="Charlie's Club", owner=user)
    return user


@pytest.fixture
def mo(db):
    """A moderator: in the "Moderators" group, which holds every staff power."""
    from groundswell.moderation.actions import moderators_group

    user = make_user("mo@example.org", "Mo Moderator", is_staff=True)
    moderators_group().user_set.add(user)
    return user


def verify_session(client, user) -> None:
    """Give the client's session a second factor, as the login code step would.

    Pages with signers' data, help requests or staff powers need it (accounts/access.py);
    the login with a code itself is tested in tests/accounts/test_two_factor.py.
    """
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def log_in_verified(client, user):
    """Logged in with password and second factor."""
    client.force_login(user)
    verify_session(client, user)
    return client


def start_petition(organisation, by, *, title="Let officers use their discretion", **fields):
    return actions.create_petition(
        organisation=organisation,
        created_by=by,
        title=title,
        demand=fields.pop("demand", "Issue written guidance protecting lawful discretion."),
        reasons=fields.pop("reasons", "Officers are trained to **weigh each case**."),
        targets=fields.pop(
            "targets",
            [TargetInput("Jordan Blake", "Director, Immigration and Customs Enforcement")],
        ),
        **fields,
    )


def open_petition(organisation, by, reviewer, **fields) -> Petition:
    petition = start_petition(organisation, by, **fields)
    actions.submit_for_review(petition=petition)
    return actions.approve_petition(petition=petition, reviewer=reviewer)


@pytest.fixture
def petition(union, alice, mo):
    """An open petition of alice's union."""
    from django.core import mail

    opened = open_petition(union, alice, mo)
    # Where on-commit work runs (transactional tests), alice was emailed the approval:
    # that is setting the scene, not what a test looks at.
    getattr(mail, "outbox", []).clear()
    return opened


@pytest.fixture
def draft(union, alice):
    return start_petition(union, alice, title="A draft nobody has seen")


def sign(petition, email="supporter@example.com", **fields):
    details = {
        "name": "Sam Supporter",
        "postcode": "10001",
        "country": "US",
        **fields,
    }
    return actions.sign_petition(petition=petition, email=email, **details)


def sign_and_confirm(petition, email="supporter@example.com", **fields):
    signature = sign(petition, email, **fields)
    return actions.confirm_signature(token=signature.confirmation_token())


class _Inbox:
    """Messages a real SMTP server on loopback received, parsed."""

    def __init__(self):
        self.messages = []
        self.sessions = set()  # the client address of each SMTP session that sent one

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.sessions.add(session.peer)
        return "250 Message accepted for delivery"

    def bodies(self) -> list[str]:
        return [m.get_body(preferencelist=("plain",)).get_content() for m in self.messages]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on 127.0.0.1; the site's mail goes to it."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def link_in(body: str, path_prefix: str) -> str:
    """The path of the first link in ``body`` whose path starts with ``path_prefix``."""
    import re

    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"[^\s\"<>]*)", body)
    assert match, f"no {path_prefix} link in:\n{body}"
    return match.group(1)
