"""Security from day one: headers, sanitised Markdown, CSRF, a clean deploy check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from groundswell.core.markdown import render_markdown
from groundswell.petitions.models import Signature

ROOT = Path(__file__).resolve().parents[2]


def test_markdown_keeps_formatting_and_drops_anything_executable():
    html = render_markdown(
        "**bold** [ok](https://example.org) [bad](javascript:alert(1))\n\n"
        "<script>alert(1)</script><img src=x onerror=alert(1)>"
    )
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.org"' in html
    assert 'href="javascript' not in html and "<script" not in html and "<img" not in html
    assert 'rel="nofollow noopener noreferrer ugc"' in html


def test_every_page_has_a_content_security_policy_without_inline_script(client, petition):
    response = client.get(f"/p/{petition.slug}/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


SIGNER = {"name": "Ann", "email": "ann@example.com", "postcode": "1", "country": "US"}


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
        {"HTTP_ORIGIN": "https://attacker.example"},
        {"HTTP_ORIGIN": "null"},
    ],
)
def test_another_site_cannot_make_its_visitors_sign(petition, headers):
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/p/{petition.slug}/sign/", SIGNER, **headers)
    assert response.status_code == 403
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "same-origin"},
        {"HTTP_ORIGIN": "http://testserver"},
        {},  # no browser: nothing a cross-site request could ride on
    ],
)
def test_the_sign_form_works_from_this_site_without_a_csrf_token(petition, headers):
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/p/{petition.slug}/sign/", SIGNER, **headers)
    assert response.status_code == 302
    assert Signature.objects.get().email == "ann@example.com"


def test_other_forms_still_need_their_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post("/p/new/", {"title": "x"}, HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 403


def test_the_deploy_check_is_clean_with_production_settings(tmp_path):
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; production never does.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DEBUG": "0",
        "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-4f9a2c7e1b3d5f6a8c0e",
        "SITE_URL": "https://petitions.example.org",
        "EMAIL_URL": "smtp+tls://user:password@smtp.example.org:587",
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
        # Rate limits shared between processes (core/checks.py); nothing connects to it.
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_secure_cookies_outside_debug(settings):
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE


def test_the_health_endpoint_answers_without_caching(client, db):
    response = client.get("/healthz")
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
