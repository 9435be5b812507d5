"""What production writes under var/ is its own alone, and it will not run without mail."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from groundswell.core.checks import email_is_configured

ROOT = Path(__file__).resolve().parents[2]

WRITE_EVERYTHING = """
import json, os, socket
import django
django.setup()
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import connection

with connection.cursor() as cursor:  # the SQLite database, its WAL and shared memory
    cursor.execute("CREATE TABLE t (x)")
    cursor.execute("INSERT INTO t VALUES (1)")
send_mail("Your notify address", "seeker@example.org", "a@example.org", ["b@example.org"])
default_storage.save("petitions/2026/rally.png", ContentFile(b"a picture"))
sock = socket.socket(socket.AF_UNIX)
sock.bind(str(settings.VAR_DIR / "signing.sock"))
print(json.dumps({"backend": settings.EMAIL_BACKEND, "mail": str(settings.EMAIL_FILE_PATH)}))
"""


def run_django(env: dict, code: str, *args) -> subprocess.CompletedProcess:
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(  # noqa: S603 (this interpreter, fixed code)
        [sys.executable, *args] if args else [sys.executable, "-c", code],
        cwd=ROOT, env={**inherited, "DJANGO_SETTINGS_MODULE": "groundswell.settings",
                       "DATABASE_URL": "", **env},
        capture_output=True, text=True, timeout=120, umask=0o022,
    )  # fmt: skip


def test_files_under_var_are_the_owners_alone_and_folders_too(tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)  # made by an older version, open to everyone
    (var / "old.txt").write_text("kept")
    outbox = tmp_path / "outbox"
    result = run_django(
        {"VAR_DIR": str(var), "DEBUG": "0", "EMAIL_URL": f"file://{outbox}",
         "SECRET_KEY": ""},
        WRITE_EVERYTHING,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert '"backend": "groundswell.core.mail.MailDirBackend"' in result.stdout
    assert f'"mail": "{outbox}"' in result.stdout
    written = [p for folder in (var, outbox) for p in folder.rglob("*") if p.name != "old.txt"]
    names = {p.name for p in written}
    assert {"groundswell.sqlite3", "secret_key", "signing.sock", "rally.png"} <= names
    assert any(p.suffix == ".eml" for p in written)
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    for path in written:
        mode = stat.S_IMODE(path.stat().st_mode)
        if path.is_dir():
            assert mode == 0o700, path
        else:
            assert mode & 0o077 == 0, (path, oct(mode))


def test_production_without_email_url_is_an_error_of_the_deploy_check(settings):
    settings.DEBUG, settings.EMAIL_URL = False, ""
    [error] = email_is_configured()
    assert error.id == "groundswell.E001" and error.is_serious()
    assert "EMAIL_URL" in error.msg and "file://" in error.hint


@pytest.mark.parametrize(
    ("debug", "email_url"),
    [(False, "smtp+tls://u:p@smtp.example.org:587"), (False, "file://"), (True, "")],
)
def test_mail_that_is_set_up_or_a_development_machine_passes(settings, debug, email_url):
    settings.DEBUG, settings.EMAIL_URL = debug, email_url
    assert email_is_configured() == []


def test_check_deploy_refuses_production_settings_without_email_url(tmp_path):
    env = {"DEBUG": "0", "SITE_URL": "https://petitions.example.org", "VAR_DIR": str(tmp_path),
           "REDIS_URL": "redis://127.0.0.1:6379/0",
           "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-4f9a2c7e1b3"}  # fmt: skip
    result = run_django({**env, "EMAIL_URL": ""}, "", "manage.py", "check", "--deploy")
    assert result.returncode != 0
    assert "groundswell.E001" in result.stderr
    chosen = run_django({**env, "EMAIL_URL": "file://"}, "", "manage.py", "check", "--deploy")
    assert chosen.returncode == 0, chosen.stderr


def test_serving_runs_the_deploy_check_first_outside_debug():
    serve = (ROOT / "bin" / "serve").read_text()
    check = serve.index("manage.py check --deploy --fail-level ERROR")
    assert check < serve.index("$BIN/granian")
