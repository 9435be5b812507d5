"""The signing service: one process that writes the signatures and confirmations of every
web process, so that the writer never waits for a Python lock held by request threads.

Why a process of its own. In a web process, the writer thread shares one GIL with the 32
request threads of that process. Each time the writer waits for PostgreSQL or Redis it
lets the GIL go, and getting it back means waiting behind request threads: under a sign
surge a batch took 18 ms of wall time for 3.4 ms of CPU, with a third of the machine idle,
and the writers were busy 99 % of the time (docs/benchmarks.md, "Where the time goes").
Here the writer is the only thread, and the web processes only wait on a socket.

``bin/serve`` starts it (``manage.py signing_service``) and sets ``SIGN_WRITER_SOCKET``;
``fastpath.FastSign`` and ``fastpath.FastConfirm`` then hand their work to it through
``SigningClient``. Where no service answers (tests, ``runserver``, a restart), the web
process writes with its own writer thread, as before: slower, equally correct.

The protocol, one JSON array a line over a Unix socket, one request at a time per
connection: ``["sign", petition_id, ip, [SignerInput fields, in order]]`` or
``["confirm", ref_code]``; the answer is ``["ok"]``, ``["ok", petition_id, name]`` (a
confirmation that counts), ``["none"]`` (a link that does not count now), ``["limited",
message]``, ``["refused"]`` (closed, or not a petition that takes signatures) or
``["failed"]``. An answer is sent only after the transaction that holds it committed.
"""

import contextlib
import dataclasses
import json
import logging
import os
import selectors
import socket
import threading
from concurrent.futures import Future
from pathlib import Path

from django.conf import settings
from django.db import connection

from groundswell.core import ratelimit
from groundswell.core.errors import ActionError
from groundswell.petitions import actions
from groundswell.petitions.fastpath import (
    ConfirmationWriter,
    Kept,
    SignatureWriter,
    _Confirming,
    _Waiting,
)
from groundswell.petitions.models import Petition

log = logging.getLogger(__name__)

MAX_LINE = 16384  # a sign form is at most 8 KiB (FastSign.MAX_BODY); JSON adds quoting


class ServiceUnavailable(Exception):
    """Nothing was handed over: the caller may write it itself."""


# --- The service ---------------------------------------------------------------------------


class SigningService:
    """Reads every waiting request, writes them as one batch, answers each after the commit.

    Group commit again, across web processes now: while one batch is being written, the
    next waits in the sockets, and is read in one go when the write is done.
    """

    def __init__(self, path: str, *, petition_seconds: float = 1.0):
        self.path = path
        self.signatures = SignatureWriter(max_queue=1)  # called directly: no thread
        self.confirmations = ConfirmationWriter(max_queue=1)
        self.petitions = Kept(petition_seconds, keep_none=True)
        self.selector = selectors.DefaultSelector()
        self.buffers: dict[socket.socket, bytearray] = {}
        self.listener: socket.socket | None = None
        self.stopping = threading.Event()

    def bind(self) -> None:
        Path(self.path).unlink(missing_ok=True)  # left by a service that was killed
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        os.chmod(self.path, 0o600)  # the web processes run as the same user
        self.listener.listen(1024)
        self.listener.setblocking(False)
        self.selector.register(self.listener, selectors.EVENT_READ)

    def serve_forever(self) -> None:
        if self.listener is None:
            self.bind()
        try:
            while not self.stopping.is_set():
                waiting = self._read(timeout=0.5)
                if waiting:
                    self.handle(waiting)
        finally:
            self.close()

    def stop(self) -> None:
        self.stopping.set()

    def close(self) -> None:
        for sock in list(self.buffers):
            self._drop(sock)
        if self.listener is not None:
            self.selector.unregister(self.listener)
            self.listener.close()
            self.listener = None
            Path(self.path).unlink(missing_ok=True)
        connection.close()

    def _read(self, timeout: float) -> list[tuple[socket.socket, bytes]]:
        """Every complete request that has arrived; waits up to ``timeout`` for the first."""
        waiting = []
        for key, _events in self.selector.select(timeout):
            sock = key.fileobj
            if sock is self.listener:
                self._accept()
                continue
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                self._drop(sock)
                continue
            buffer = self.buffers[sock]
            buffer += data
            while (end := buffer.find(b"\n")) >= 0:
                waiting.append((sock, bytes(buffer[:end])))
                del buffer[: end + 1]
            if len(buffer) > MAX_LINE:
                self._drop(sock)
        return waiting

    def _accept(self) -> None:
        while True:
            try:
                sock, _address = self.listener.accept()
            except BlockingIOError:
                return
            sock.setblocking(False)
            self.buffers[sock] = bytearray()
            self.selector.register(sock, selectors.EVENT_READ)

    def _drop(self, sock: socket.socket) -> None:
        self.buffers.pop(sock, None)
        with contextlib.suppress(KeyError, ValueError):  # not registered, or closed
            self.selector.unregister(sock)
        sock.close()

    def handle(self, waiting: list[tuple[socket.socket, bytes]]) -> None:
        signing, confirming = [], []
        for sock, line in waiting:
            try:
                kind, *args = json.loads(line)
                if kind == "sign":
                    petition_id, ip, fields = args
                    petition = self.petition(petition_id)
                    if petition is None:
                        self._answer(sock, ["refused"])
                        continue
                    item = _Waiting(petition, actions.SignerInput(*fields), ip)
                    signing.append((sock, item))
                elif kind == "confirm":
                    [ref_code] = args
                    confirming.append((sock, _Confirming(str(ref_code))))
                else:
                    raise ValueError(kind)
            except (ValueError, TypeError):
                log.warning("the signing service was sent something it does not read")
                self._answer(sock, ["failed"])
        if signing:
            self.signatures.write([item for _sock, item in signing])
        if confirming:
            self.confirmations.write([item for _sock, item in confirming])
        for sock, item in signing + confirming:
            self._answer(sock, _outcome(item.future))

    def petition(self, petition_id: int) -> Petition | None:
        """The petition if it takes signatures, as this service saw it in the last second."""
        return self.petitions.get(petition_id, lambda: self._look_up(petition_id))

    @staticmethod
    def _look_up(petition_id: int) -> Petition | None:
        petition = Petition.objects.open().for_signing().filter(pk=petition_id).first()
        return petition if petition is not None and petition.is_signable() else None

    def _answer(self, sock: socket.socket, answer: list) -> None:
        try:
            sock.send(json.dumps(answer).encode() + b"\n")  # a few bytes: never blocks
        except OSError:
            self._drop(sock)  # the web process gave up on it (its timeout) or died


def _outcome(future: Future) -> list:
    error = future.exception()
    if error is None:
        result = future.result()
        if result is None:
            return ["none"]
        if result is True:
            return ["ok"]
        petition_id, name = result
        return ["ok", petition_id, name]
    if isinstance(error, ratelimit.RateLimited):
        return ["limited", error.message]
    if isinstance(error, ActionError):
        return ["refused"]
    log.error("the signing service could not write", exc_info=error)
    return ["failed"]


# --- The client, in each web process --------------------------------------------------------


class SigningClient:
    """Talks to the service over one connection per request thread."""

    def __init__(self, path: str, *, timeout: float):
        self.path, self.timeout = path, timeout
        self.local = threading.local()

    def ask(self, request: list) -> list:
        """The service's answer. ServiceUnavailable if the request surely did not arrive;
        TimeoutError or ConnectionError if it may have (the caller answers 503)."""
        line = json.dumps(request).encode() + b"\n"
        sock = getattr(self.local, "sock", None)
        if sock is not None:
            try:
                sock.sendall(line)
            except OSError:  # the service restarted since: this one never arrived
                self._forget()
                sock = None
        if sock is None:
            sock = self._connect()
            try:
                sock.sendall(line)
            except OSError as error:
                self._forget()
                raise ServiceUnavailable() from error
        try:
            return json.loads(self._read_line(sock))
        except (OSError, ValueError):
            self._forget()  # an answer that comes later must not meet the next request
            raise

    def _connect(self) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except OSError as error:
            sock.close()
            raise ServiceUnavailable() from error
        self.local.sock = sock
        return sock

    def _forget(self) -> None:
        sock = getattr(self.local, "sock", None)
        self.local.sock = None
        if sock is not None:
            sock.close()

    @staticmethod
    def _read_line(sock: socket.socket) -> bytes:
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError("the signing service closed the connection")
            data += chunk
        return data


_client: SigningClient | None = None


def client() -> SigningClient:
    """This process's client of the service at ``settings.SIGN_WRITER_SOCKET``."""
    global _client
    if _client is None or _client.path != settings.SIGN_WRITER_SOCKET:
        _client = SigningClient(settings.SIGN_WRITER_SOCKET, timeout=settings.SIGN_WAIT_SECONDS)
    return _client


_FIELDS = [field.name for field in dataclasses.fields(actions.SignerInput)]  # in order


class _Remote:
    """A writer's ``submit``, done by the service; by ``local`` if none answers."""

    def __init__(self, client: SigningClient, local):
        self.client, self.local = client, local

    def _ask(self, request: list, locally) -> Future:
        try:
            answer = self.client.ask(request)
        except ServiceUnavailable:
            return locally()
        except (OSError, ValueError) as error:
            return _failed(error)
        return _future(answer)

    def stop(self) -> None:
        self.local.stop()


class RemoteSignatureWriter(_Remote):
    def submit(self, petition: Petition, signer: actions.SignerInput, ip: str) -> Future:
        fields = [getattr(signer, name) for name in _FIELDS]
        return self._ask(
            ["sign", petition.pk, ip, fields], lambda: self.local.submit(petition, signer, ip)
        )


class RemoteConfirmationWriter(_Remote):
    def submit(self, ref_code: str) -> Future:
        return self._ask(["confirm", ref_code], lambda: self.local.submit(ref_code))


def _future(answer: list) -> Future:
    future: Future = Future()
    match answer:
        case ["ok"]:
            future.set_result(True)
        case ["ok", petition_id, name]:
            future.set_result((petition_id, name))
        case ["none"]:
            future.set_result(None)
        case ["limited", message]:
            future.set_exception(ratelimit.RateLimited(message))
        case ["refused"]:
            future.set_exception(ActionError("This petition does not take signatures now."))
        case _:
            future.set_exception(RuntimeError(f"the signing service answered {answer!r}"))
    return future


def _failed(error: Exception) -> Future:
    future: Future = Future()
    future.set_exception(RuntimeError(f"the signing service did not answer: {error}"))
    return future
