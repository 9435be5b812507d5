"""The signing service (petitions/service.py): one process's writer for every web process.

The service runs in a thread here, on a real Unix socket; the web side is FastSign and
FastConfirm with the service's writers, exactly as groundswell/wsgi.py builds them when
SIGN_WRITER_SOCKET is set.
"""

import shutil
import socket
import tempfile
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from groundswell.petitions import actions, counting, service
from groundswell.petitions.fastpath import (
    ConfirmationWriter,
    FastConfirm,
    FastSign,
    SignatureWriter,
)
from groundswell.petitions.models import Signature
from tests.conftest import sign
from tests.petitions.test_fast_confirming import follow
from tests.petitions.test_fast_signing import PLAIN, Counting, post
from tests.threads import run_together

pytestmark = pytest.mark.django_db(transaction=True)  # the service has its own thread


@pytest.fixture
def socket_path():
    folder = tempfile.mkdtemp(prefix="gs-", dir="/tmp")  # a Unix socket path is short
    yield str(Path(folder) / "signing.sock")
    shutil.rmtree(folder, ignore_errors=True)


class Running:
    """A SigningService serving in a thread until stopped."""

    def __init__(self, path: str):
        self.service = service.SigningService(path)
        self.service.bind()
        self.batches: list[int] = []
        handle = self.service.handle

        def counted(waiting):
            work = [line for _sock, line in waiting if b'"hello"' not in line]
            if work:  # each connection's hello is not a batch
                self.batches.append(len(work))
            handle(waiting)

        self.service.handle = counted
        self.thread = threading.Thread(target=self.service.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.service.stop()
        self.thread.join(10)


@pytest.fixture
def running(socket_path):
    server = Running(socket_path)
    yield server
    server.stop()


class Site:
    """FastSign over FastConfirm over Django, both writing through the service."""

    def __init__(self, path: str, timeout: float = 10.0):
        client = service.SigningClient(path, timeout=timeout)
        self.django = Counting()
        self.signatures = service.Remote(client, SignatureWriter(max_queue=100))
        self.confirmations = service.Remote(client, ConfirmationWriter(max_queue=100))
        confirm = FastConfirm(self.django, writer=self.confirmations)
        self.app = FastSign(confirm, writer=self.signatures)

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)

    def stop(self) -> None:
        self.signatures.stop()
        self.confirmations.stop()


@pytest.fixture
def site(socket_path):
    app = Site(socket_path)
    yield app
    app.stop()


def test_a_signature_is_written_by_the_service_and_answered_after_the_commit(
    running, site, petition
):
    status, headers, _ = post(site, petition.slug, PLAIN)
    assert status == "302 Found" and headers["Location"] == f"/p/{petition.slug}/thanks/"
    signature = Signature.objects.get()
    assert signature.email == "sam@example.com" and signature.emails_owed == 1
    assert running.batches == [1]
    assert site.signatures.local.thread is None  # this process wrote nothing itself
    assert site.django.calls == 0


def test_signing_again_through_the_service_owes_one_more_email(running, site, petition):
    first = post(site, petition.slug, PLAIN)
    again = post(site, petition.slug, {**PLAIN, "email": "SAM@example.com"})
    assert first[:2] == again[:2]
    assert Signature.objects.get().emails_owed == 2


def test_past_the_limit_the_services_verdict_is_explained_by_the_view(running, site, petition):
    answers = [post(site, petition.slug, PLAIN) for _ in range(6)]
    assert [status[:3] for status, _, _ in answers] == ["302"] * 5 + ["429"]
    assert b"Too many attempts" in answers[-1][2]
    assert site.django.calls == 0  # the view was given the outcome; nothing asked again


def test_a_closed_petition_is_refused_by_the_service_and_explained_by_the_view(
    running, site, petition
):
    actions.close_petition(petition=petition)
    status, _, content = post(site, petition.slug, PLAIN)
    assert status.startswith("409") and b"closed" in content
    assert not Signature.objects.exists()
    assert running.batches == [1] and site.django.calls == 0


def test_a_confirmation_is_written_by_the_service(running, site, petition):
    signature = sign(petition, "ann@example.com", name="Ann Lee")
    status, _, body = follow(site, signature.get_confirm_path())
    assert status == "200 OK" and b"Thank you, Ann Lee" in body
    signature.refresh_from_db()
    assert signature.status == "confirmed"
    counting.forget(petition.pk)
    assert counting.confirmed_count(petition.pk) == 1
    again = follow(site, signature.get_confirm_path())  # "none": Django explains
    assert again[0].startswith("409")
    assert site.confirmations.local.thread is None


def test_with_no_service_the_web_process_writes_itself(site, petition):
    status, _, _ = post(site, petition.slug, PLAIN)
    assert status == "302 Found"
    assert Signature.objects.count() == 1
    assert site.signatures.local.thread is not None


def test_a_restarted_service_is_found_again(socket_path, site, petition):
    first = Running(socket_path)
    assert post(site, petition.slug, PLAIN)[0] == "302 Found"
    first.stop()  # the web process still holds its connection to the old one
    second = Running(socket_path)
    try:
        status, _, _ = post(site, petition.slug, {**PLAIN, "email": "two@example.com"})
    finally:
        second.stop()
    assert status == "302 Found"
    assert second.batches == [1]
    assert Signature.objects.count() == 2


def test_a_service_that_does_not_answer_in_time_is_a_503(socket_path, petition):
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(1)  # takes the request and never answers
    app = Site(socket_path, timeout=0.2)
    try:
        status, headers, _ = post(app, petition.slug, PLAIN)
    finally:
        listener.close()
        app.stop()
    assert status.startswith("503") and headers["Retry-After"] == "1"
    assert app.signatures.local.thread is None  # it may have arrived: not written twice


def test_a_line_the_service_cannot_read_is_answered_failed(running, socket_path):
    client = service.SigningClient(socket_path, timeout=5)
    assert client.ask({"message": "sign", "petition": "not a number"}) == {"message": "failed"}
    assert client.ask({"message": "delete everything"}) == {"message": "failed"}
    assert client.ask(["sign", 1, "an old version's line"]) == {"message": "failed"}
    nothing = {"message": "confirmed", "petition": None, "name": None}
    assert client.ask({"message": "confirm", "ref_code": "nothing-like-a-code"}) == nothing


def test_a_web_process_beside_a_service_of_another_version_refuses_to_start(socket_path, settings):
    older = service.SigningService(socket_path, version=service.VERSION - 1)
    older.bind()
    thread = threading.Thread(target=older.serve_forever, daemon=True)
    thread.start()
    settings.SIGN_WRITER_SOCKET = socket_path
    try:
        with pytest.raises(service.ProtocolMismatch, match="protocol version"):
            FastSign(Counting())
    finally:
        older.stop()
        thread.join(10)


def test_a_web_process_starts_before_its_service_and_finds_it_later(socket_path, settings):
    settings.SIGN_WRITER_SOCKET = socket_path
    app = FastSign(Counting())  # nothing at the socket yet: checked at each new connection
    assert isinstance(app.writer, service.Remote)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real contention needs PostgreSQL")
def test_forty_people_at_once_are_written_in_few_batches(running, site, petition):
    outcomes = run_together(
        40, lambda i: post(site, petition.slug, {**PLAIN, "email": f"p{i}@example.com"})[0]
    )
    assert outcomes == ["302 Found"] * 40
    assert Signature.objects.count() == 40
    assert sum(running.batches) == 40 and len(running.batches) < 40


def test_the_command_needs_a_socket_path(settings):
    settings.SIGN_WRITER_SOCKET = ""
    with pytest.raises(CommandError, match="SIGN_WRITER_SOCKET"):
        call_command("signing_service")
