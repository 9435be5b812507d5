"""The signing service: one process that writes the signatures and confirmations of every
web process. There its writer is the only thread; in a web process it waited behind 32
request threads (docs/benchmarks.md). ``bin/serve`` starts it and sets ``SIGN_WRITER_SOCKET``;
where none answers (tests, ``runserver``, a restart), a web process writes itself.

The protocol, ``VERSION``: named JSON messages, one a line, over a Unix socket, each answered
after its commit: ``hello``, ``sign``/``signed``, ``confirm``/``confirmed``, ``failed``
(docs/architecture.md). A web process refuses to start beside another version.
"""

import contextlib
import json
import logging
import os
import selectors
import socket
import threading
from concurrent.futures import Future
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from groundswell.core.batch import Waiting
from groundswell.petitions import actions
from groundswell.petitions.access import petition_for_fast_signing
from groundswell.petitions.fastpath import ConfirmationWriter, SignatureWriter

log = logging.getLogger(__name__)

VERSION = 2
MAX_LINE = 16384  # a sign form is at most 8 KiB (FastSign.MAX_BODY); JSON adds quoting


class ServiceUnavailable(Exception):
    """Nothing was handed over: the caller may write it itself."""


class ProtocolMismatch(ImproperlyConfigured):
    """The service speaks another version of the protocol: deploy both together."""


class SigningService:
    """Reads every waiting request, writes them as one batch, answers each after the commit."""

    def __init__(self, path: str, *, version: int = VERSION):
        self.path, self.version = path, version
        self.signatures = SignatureWriter(max_queue=1)  # called directly: no thread
        self.confirmations = ConfirmationWriter(max_queue=1)
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
                if waiting := self._read(timeout=0.5):
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
                message = json.loads(line)
                kind = message["message"]
                if kind == "hello":
                    self._answer(sock, {"message": "hello", "version": self.version})
                elif kind == "sign":
                    signing.append((sock, self._attempt(message)))
                elif kind == "confirm":
                    confirming.append((sock, Waiting(str(message["ref_code"]))))
                else:
                    raise ValueError(kind)
            except (ValueError, TypeError, KeyError):
                log.warning("the signing service was sent something it does not read")
                self._answer(sock, {"message": "failed"})
        if signing:
            self.signatures.write([item for _sock, item in signing])
        if confirming:
            self.confirmations.write([item for _sock, item in confirming])
        for sock, item in signing + confirming:
            self._answer(sock, _answer(item))

    @staticmethod
    def _attempt(message: dict) -> Waiting:
        petition = petition_for_fast_signing(pk=int(message["petition"]))
        if petition is None:
            raise ValueError("no such petition")
        signer = actions.SignerInput(**message["signer"])
        return Waiting(actions.Attempt(petition, signer, str(message["ip"])))

    def _answer(self, sock: socket.socket, answer: dict) -> None:
        try:
            sock.send(_line(answer))  # a few bytes: never blocks
        except OSError:
            self._drop(sock)  # the web process gave up on it (its timeout) or died


def _answer(item) -> dict:
    error = item.future.exception()
    if error is not None:
        log.error("the signing service could not write", exc_info=error)
        return {"message": "failed"}
    result = item.future.result()
    if isinstance(item.work, actions.Attempt):
        return {"message": "signed", "outcome": result.outcome, "text": result.message}
    petition, name = result or (None, None)
    return {"message": "confirmed", "petition": petition, "name": name}


# --- The client, in each web process --------------------------------------------------------


class SigningClient:
    """Talks to the service over one connection per request thread."""

    def __init__(self, path: str, *, timeout: float):
        self.path, self.timeout = path, timeout
        self.local = threading.local()

    def check_version(self) -> None:
        """ProtocolMismatch if a service of another version answers; checked again later."""
        with contextlib.suppress(ServiceUnavailable, OSError, ValueError):
            self._connect()

    def ask(self, request: dict) -> dict:
        """The service's answer. ServiceUnavailable if the request surely did not arrive;
        TimeoutError or ConnectionError if it may have (the caller answers 503)."""
        sock = getattr(self.local, "sock", None)
        if sock is not None:
            try:
                sock.sendall(_line(request))
            except OSError:  # the service restarted since: this one never arrived
                self._forget()
                sock = None
        if sock is None:
            sock = self.local.sock = self._connect()
            try:
                sock.sendall(_line(request))
            except OSError as error:
                self._forget()
                raise ServiceUnavailable() from error
        try:
            return _read(sock)
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
        try:
            sock.sendall(_line({"message": "hello", "version": VERSION}))
            hello = _read(sock)
        except (OSError, ValueError):
            sock.close()  # a service that does not answer: the caller answers 503
            raise
        if not isinstance(hello, dict) or hello.get("version") != VERSION:
            sock.close()
            raise ProtocolMismatch(
                f"The signing service at {self.path} answered {hello!r} to this web process's "
                f"protocol version {VERSION}: start the service and the web from one release."
            )
        return sock

    def _forget(self) -> None:
        sock, self.local.sock = getattr(self.local, "sock", None), None
        if sock is not None:
            sock.close()


def _line(message: dict) -> bytes:
    return json.dumps(message).encode() + b"\n"


def _read(sock: socket.socket):
    line = b""
    while not line.endswith(b"\n"):  # one answer a request: nothing comes beyond it
        if not (part := sock.recv(4096)):
            raise ConnectionError("the signing service closed the connection")
        line += part
    return json.loads(line)


_client: SigningClient | None = None


def client() -> SigningClient:
    """This process's client of the service at ``settings.SIGN_WRITER_SOCKET``."""
    global _client
    if _client is None or _client.path != settings.SIGN_WRITER_SOCKET:
        _client = SigningClient(settings.SIGN_WRITER_SOCKET, timeout=settings.SIGN_WAIT_SECONDS)
    return _client


class Remote:
    """A writer's ``submit``, done by the service; by ``local`` while none answers."""

    def __init__(self, client: SigningClient, local):
        self.client, self.local = client, local

    def submit(self, work) -> Future:
        request = {"message": "confirm", "ref_code": work}
        if isinstance(work, actions.Attempt):
            signer, pk = work.signer.__dict__, work.petition.pk
            request = {"message": "sign", "petition": pk, "ip": work.ip, "signer": signer}
        future: Future = Future()
        try:
            answer = self.client.ask(request)
        except ServiceUnavailable:
            return self.local.submit(work)
        except (OSError, ValueError) as error:
            future.set_exception(RuntimeError(f"the signing service did not answer: {error}"))
            return future
        match answer:
            case {"message": "signed", "outcome": outcome, "text": text}:
                future.set_result(actions.Signed(actions.Outcome(outcome), text))
            case {"message": "confirmed", "petition": petition, "name": name}:
                future.set_result(None if petition is None else (petition, name))
            case _:
                future.set_exception(RuntimeError(f"the signing service answered {answer!r}"))
        return future

    def stop(self) -> None:
        self.local.stop()
