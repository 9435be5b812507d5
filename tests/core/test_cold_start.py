"""A process that has just started opens its connections before its first signer, not
while a surge waits behind them (docs/benchmarks.md, "Where the first seconds went")."""

import gc

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.core.validators import EmailValidator
from django.utils.functional import empty
from django.utils.regex_helper import _lazy_re_compile

from groundswell.core import edge
from groundswell.petitions.management.commands import signing_service


def test_warming_up_compiles_the_email_validator_before_the_first_signer(monkeypatch):
    # As in a new process: Django compiles this on first use, once per thread that comes first.
    fresh = _lazy_re_compile(EmailValidator.domain_regex.pattern, EmailValidator.domain_regex.flags)
    monkeypatch.setattr(EmailValidator, "domain_regex", fresh)
    assert fresh._wrapped is empty
    edge.warm_up_services()
    assert fresh._wrapped is not empty


def test_warming_up_reaches_the_cache_before_the_first_signer(monkeypatch):
    asked = []
    monkeypatch.setattr(caches["default"], "get", lambda key, *args, **kwargs: asked.append(key))
    edge.warm_up_services()
    assert asked == ["warm-up"]


def test_warming_up_takes_what_the_process_loaded_out_of_full_collections():
    # A full collection walked every module, class and compiled template while holding the
    # GIL: 50-280 ms in which none of a web process's 32 threads ran (decision 15).
    gc.unfreeze()
    loaded = len(gc.get_objects())
    edge.warm_up_services()
    assert gc.get_freeze_count() > loaded / 2
    assert len(gc.get_objects(generation=2)) < loaded / 100  # what a full collection walks


def test_a_cache_that_does_not_answer_does_not_keep_a_process_from_starting(monkeypatch, caplog):
    def down(*args, **kwargs):
        raise ConnectionError("Redis is not there")

    monkeypatch.setattr(caches["default"], "get", down)
    edge.warm_up_services()  # does not raise
    assert "warming up a connection failed" in caplog.text


@pytest.mark.django_db
def test_the_signing_service_warms_up_before_it_takes_a_request(monkeypatch, settings, tmp_path):
    settings.SIGN_WRITER_SOCKET = str(tmp_path / "signing.sock")
    done = []
    monkeypatch.setattr(signing_service, "warm_up_services", lambda: done.append("warmed up"))
    monkeypatch.setattr(signing_service.SigningService, "bind", lambda self: done.append("bound"))
    monkeypatch.setattr(
        signing_service.SigningService, "serve_forever", lambda self: done.append("serving")
    )
    call_command("signing_service")
    assert done == ["warmed up", "bound", "serving"]
