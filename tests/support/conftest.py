"""The help programme's people: vera (a vetted volunteer adviser, career counsellor) and
walt (another adviser in the same programme), with alice's union running the programme.

Argon2id runs at libsodium's minimum cost here so the suite stays fast; one test checks
that production uses the INTERACTIVE cost by default.
"""

import re

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from nacl.pwhash import argon2id

from groundswell.support import actions
from groundswell.support.models import AdviserProfile, Programme
from tests.conftest import PASSWORD, make_user

ADVISER_PASSWORD = "a long adviser passphrase 4 tests"


def cheap_argon2(settings) -> None:
    settings.SUPPORT_ARGON2_OPSLIMIT = argon2id.OPSLIMIT_MIN
    settings.SUPPORT_ARGON2_MEMLIMIT = argon2id.MEMLIMIT_MIN


@pytest.fixture(autouse=True)
def _cheap_argon2(settings):
    cheap_argon2(settings)


def start_programme(organisation, coordinator) -> Programme:
    return actions.create_programme(
        organisation=organisation,
        by=coordinator,
        name="Next Steps",
        description="Free and confidential help to find another job.",
        intake_questions="What kind of work would you like next?",
        languages=["en", "es"],
    )


@pytest.fixture
def programme(union, alice) -> Programme:
    return start_programme(union, alice)


def totp_code(user) -> str:
    """The code the user's authenticator app shows now (the one device they confirmed or
    are setting up). Replay protection is reset so a test may log in twice in 30 s."""
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed").first()
    device.last_t = -1
    device.save(update_fields=["last_t"])
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def enrol_adviser(programme, by, *, email, name, **profile) -> AdviserProfile:
    """Invited by a coordinator, joined with a password, two-factor confirmed: active."""
    fields = {
        "display_name": name.split()[0],
        "qualifications": "Career counsellor, 12 years",
        "skills": ["cv", "interviews", "career_change"],
        "sectors": ["enforcement", "administration"],
        "languages": ["en"],
        "time_zone": "America/New_York",
        "capacity": 3,
        "ties": "",
        "vetting_note": "Met in person; two references checked.",
        **profile,
    }
    adviser = actions.invite_adviser(programme=programme, by=by, email=email, **fields)
    enrolment = actions.join_as_adviser(
        token=adviser.invitation_token(), password=ADVISER_PASSWORD, name=name
    )
    actions.two_factor_device(enrolment.user)
    actions.confirm_two_factor(user=enrolment.user, code=totp_code(enrolment.user))
    adviser.refresh_from_db()
    assert adviser.status == AdviserProfile.Status.ACTIVE
    return adviser


def enrol_vera(programme, coordinator) -> AdviserProfile:
    return enrol_adviser(programme, coordinator, email="vera@example.org", name="Vera Volunteer")


@pytest.fixture
def vera(programme, alice) -> AdviserProfile:
    return enrol_vera(programme, alice)


@pytest.fixture
def walt(programme, alice, vera) -> AdviserProfile:
    """Another adviser; fewer shared skills than vera, so requests go to vera first."""
    return enrol_adviser(
        programme,
        alice,
        email="walt@example.org",
        name="Walt Recruiter",
        qualifications="Recruiter",
        skills=["networking"],
        sectors=["enforcement"],
        time_zone="Europe/Berlin",
    )


def log_in_adviser(client, adviser: AdviserProfile):
    response = client.post(
        "/help/adviser/login/",
        {"email": adviser.email, "password": ADVISER_PASSWORD, "code": totp_code(adviser.user)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


@pytest.fixture
def vera_client(vera) -> Client:
    return log_in_adviser(Client(), vera)


@pytest.fixture
def walt_client(walt) -> Client:
    return log_in_adviser(Client(), walt)


INTAKE = {
    "sector": "enforcement",
    "skills": ["cv", "interviews"],
    "region": "americas-east",
    "language": "en",
    "availability": ["weekday-evening"],
    "situation": "I work in a field office and want out.",
    "q0": "Logistics or operations.",
    "employer": "The Agency",
    "contact": "",
    "notify_email": "",
}

RECEIPT = re.compile(r"data-receipt>([A-Z2-7-]+)<")


def ask_for_help(client, programme, **fields) -> str:
    """A seeker sends a request and confirms they saved the receipt; returns the receipt."""
    response = client.post(f"/help/{programme.slug}/ask/", {**INTAKE, **fields})
    assert response.status_code == 302, response.content.decode()[:3000]
    page = client.get("/help/receipt/").content.decode()
    receipt = RECEIPT.search(page).group(1)
    assert client.post("/help/receipt/", {"saved": "on"}).status_code == 302
    return receipt


def seeker_accepts_first_adviser(seeker, adviser_client, match) -> None:
    assert adviser_client.post(f"/help/adviser/r/{match.code}/accept/").status_code == 302
    assert seeker.post("/help/request/accept/", {"match": match.pk}).status_code == 302
    match.refresh_from_db()
    assert match.status == match.Status.ACCEPTED


__all__ = ["PASSWORD", "make_user"]


# --- Where secrets could leak: the database, the cache --------------------------------------


def database_dump() -> str:
    """Every row of the test database as text: sqlite3's iterdump, or pg_dump on PostgreSQL
    (which only sees committed rows: use it from transactional tests)."""
    import subprocess

    from django.db import connection

    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    params = connection.settings_dict
    command = ["pg_dump", "--no-owner", "-h", params["HOST"] or "127.0.0.1"]
    command += ["-p", str(params["PORT"] or 5432), "-U", params["USER"] or "postgres"]
    result = subprocess.run(  # noqa: S603 (a fixed binary and the test database's name)
        [*command, params["NAME"]], capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout


def cache_contents() -> bytes:
    """Keys and (pickled) values of every in-memory cache."""
    from django.conf import settings
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    found = []
    for alias in settings.CACHES:
        cache = caches[alias]
        if isinstance(cache, LocMemCache):
            for key, value in cache._cache.items():
                found += [
                    str(key).encode(),
                    value if isinstance(value, bytes) else repr(value).encode(),
                ]
    return b"\n".join(found)


def forms_of(text: str) -> list[str]:
    """``text`` as it could appear in a dump: plain, or as the hex of its UTF-8 bytes."""
    raw = text.encode()
    return [text, raw.hex(), raw.hex().upper()]


def assert_nowhere(secret: str, *, dump: str, logs: str, cache: bytes) -> None:
    for form in forms_of(secret):
        assert form not in dump, f"{secret!r} is in the database"
        assert form not in logs, f"{secret!r} is in the logs"
        assert form.encode() not in cache, f"{secret!r} is in the cache"
