"""The fast paths: a sign form POST, and a confirmation link, answered before Django.

A surge is thousands of people a second sending the same small form. Through Django's
middleware, form and ORM, one signature cost about 5 ms of CPU on a 2-core machine; the
surge target is 2,000 a second (docs/benchmarks.md). So ``FastSign``, a WSGI wrapper
(groundswell/wsgi.py), takes the plain case itself:

1. ``POST /p/<slug>/sign/`` from this site, with a form that passes every rule of
   ``SignatureForm`` (``parse_signer``, tested against the form itself);
2. the signer is handed to this process's ``SignatureWriter``, a thread that takes
   whoever is waiting, counts their rate limits in one Redis script call and writes them
   in one transaction through ``actions.sign_petitions`` (group commit: the busier the
   site, the bigger the batch);
3. the answer, the same redirect as the form's, goes out only after that commit.

Anything else (an error to show, a closed petition, a bot, another site's form, a rate
limit) goes on to Django untouched, which answers as it always has. When the writer's
queue is full the answer is 503 with Retry-After at once: nothing was recorded, and the
browser still has the form filled in.

``FastConfirm`` does the same for ``GET /p/confirm/<token>/``: a genuine link that counts
now is confirmed in a batch (``actions.confirm_signatures``, the count moved in the same
transaction), and answered with the petition's confirmed page, rendered by Django once per
petition every half second with stand-ins for the name and referral code
(``ConfirmedPages``).
"""

import html
import logging
import queue
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from io import BytesIO
from types import SimpleNamespace
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection
from django.http.request import split_domain_port, validate_host
from django_countries import countries

from groundswell.core import ratelimit
from groundswell.core.edge import BUSY_HTML, PERSONAL_COOKIES, busy_response
from groundswell.core.email_address import is_disposable
from groundswell.core.errors import ActionError
from groundswell.core.network import network_key
from groundswell.core.origin import is_same_origin_meta
from groundswell.core.text import clean_line
from groundswell.petitions import actions, sharing
from groundswell.petitions.models import RESERVED_SLUGS, Petition

log = logging.getLogger(__name__)

# What the fast paths tell the Django views, in WSGI environ keys no client can send (a
# header arrives as HTTP_...): the rate-limit verdict, a link just confirmed, and that
# the confirmed page is wanted with stand-ins for this petition.
RATE_LIMITED_KEY = "groundswell.rate_limited"
CONFIRMED_KEY = "groundswell.confirmed"
STAND_IN_KEY = "groundswell.confirmed_page_for"

# --- The form, checked without Django's form machinery ---------------------------------------

_TRUE = {"on", "true", "1"}
_COUNTRIES: frozenset[str] = frozenset()


def _form_limits() -> dict[str, int]:
    from groundswell.petitions.forms import SignatureForm

    fields = SignatureForm.base_fields
    return {name: fields[name].max_length for name in ("name", "email", "postcode", "comment")}


_LIMITS: dict[str, int] = {}


def parse_signer(body: bytes) -> actions.SignerInput | None:
    """The signer in a sign form body, or None unless ``SignatureForm`` would accept it.

    None means "let the form decide": it also covers what the form accepts but signing
    treats specially (the honeypot, a referral code that is not one).
    """
    global _COUNTRIES, _LIMITS
    if not _LIMITS:
        _LIMITS = _form_limits()
        _COUNTRIES = frozenset(code for code, _name in countries)
    try:
        data = dict(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=True))
    except (UnicodeDecodeError, ValueError):
        return None
    if data.get("website") or any("\x00" in value for value in data.values()):
        return None
    name = clean_line(data.get("name", ""))  # as the form's LineField cleans it
    email = data.get("email", "").strip()
    postcode = data.get("postcode", "").strip()
    comment = data.get("comment", "").strip()
    ref = data.get("ref", "").strip()
    flags = {key: data.get(key, "") for key in ("show_name", "wants_updates")}
    if not (name and email and postcode) or len(ref) > 16:
        return None
    lengths = {"name": name, "email": email, "postcode": postcode, "comment": comment}
    if any(len(value) > _LIMITS[key] for key, value in lengths.items()):
        return None
    if data.get("country") not in _COUNTRIES or any(
        value not in _TRUE and value != "" for value in flags.values()
    ):
        return None
    try:
        validate_email(email)
    except ValidationError:
        return None
    if settings.GROUNDSWELL["BLOCK_DISPOSABLE_EMAIL"] and is_disposable(email):
        return None  # Django's form says why
    return actions.SignerInput(
        name=name,
        email=email,
        postcode=postcode,
        country=data["country"],
        comment=comment,
        show_name=flags["show_name"] in _TRUE,
        wants_updates=flags["wants_updates"] in _TRUE,
        referral_code=ref,
        source=sharing.clean_source(data.get("src", "")),
    )


# --- Which petitions take signatures ----------------------------------------------------------


class Kept:
    """Values kept by this process for ``seconds``, each made again by one thread at a time.

    While one thread makes a value anew, the others get the one that is a moment old;
    only for the very first do they wait, so that a cold process does not make it once
    per thread at the same moment (a herd through Django's admission slots). Each key has
    its own lock: a flood of made-up slugs does not hold up a real petition. ``make``
    returning None stores nothing unless ``keep_none``.
    """

    def __init__(self, seconds: float, *, keep_none: bool = False, max_entries: int = 10_000):
        self.seconds, self.keep_none, self.max_entries = seconds, keep_none, max_entries
        self.values: dict = {}  # key: (expires, value)
        self.making: dict = {}  # key: the lock of whoever makes it

    def get(self, key, make):
        hit = self.values.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        lock = self.making.setdefault(key, threading.Lock())
        if hit is not None:
            if not lock.acquire(blocking=False):
                return hit[1]  # another thread is making the new one
        else:
            lock.acquire()  # the first: wait for whoever is making it, if anyone
            hit = self.values.get(key)
            if hit is not None:
                lock.release()
                return hit[1]
        try:
            value = make()
            if value is not None or self.keep_none:
                if len(self.values) >= self.max_entries:  # e.g. slugs people made up
                    self.values.clear()
                    self.making = {key: lock}
                self.values[key] = (time.monotonic() + self.seconds, value)
            return value
        finally:
            lock.release()


class SignablePetitions:
    """Open petitions by slug, remembered by this process for ``seconds``.

    A petition that closes may take signatures for up to that long in this process;
    ``sign_petitions`` refuses them once it has seen the petition closed.
    """

    def __init__(self, seconds: float = 1.0):
        self.known = Kept(seconds, keep_none=True)  # an unknown slug is remembered too

    def get(self, slug: str) -> Petition | None:
        return self.known.get(slug, lambda: self._look_up(slug))

    @staticmethod
    def _look_up(slug: str) -> Petition | None:
        try:
            petition = Petition.objects.open().for_signing().filter(slug=slug).first()
        finally:
            if not connection.in_atomic_block:  # outside Django's request cycle:
                connection.close()  # give the connection back to the pool
        if petition is not None and not petition.is_signable():
            petition = None
        return petition


# --- The writer: group commit ---------------------------------------------------------------


@dataclass
class _Waiting:
    petition: Petition
    signer: actions.SignerInput
    ip: str
    future: Future = field(default_factory=Future)


class BatchWriter:
    """A thread per process that takes whatever is waiting and writes it in one go.

    Group commit: the busier the site, the bigger each batch, the fewer the round trips
    per person. A batch that fails is written again one by one, so that one bad item
    cannot fail the others. Subclasses say how a batch is written (``write``).
    """

    name = "batch-writer"

    def __init__(self, *, max_queue: int, max_batch: int = 500):
        self.queue: queue.Queue = queue.Queue(maxsize=max_queue)
        self.max_batch = max_batch
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def put(self, item) -> Future:
        """Queue an item (with a ``future``); raises queue.Full past capacity."""
        self._start()
        self.queue.put_nowait(item)
        return item.future

    def _start(self) -> None:
        if self.thread is None or not self.thread.is_alive():
            with self.lock:
                if self.thread is None or not self.thread.is_alive():
                    self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                    self.thread.start()

    def stop(self) -> None:
        """Let the thread finish what is queued, close its connection and end."""
        if self.thread is not None and self.thread.is_alive():
            self.queue.put(None)
            self.thread.join(10)

    def _run(self) -> None:
        while True:
            first = self.queue.get()
            if first is None:
                connection.close()
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    item = self.queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self.queue.put(None)  # stop after this batch
                    break
                batch.append(item)
            self.write(batch)  # on one connection, kept: a failed batch closes it

    def write(self, batch: list) -> None:
        raise NotImplementedError

    def write_alone_if_failed(self, group: list, write_group) -> None:
        try:
            write_group(group)
        except Exception as error:
            if len(group) == 1:
                group[0].future.set_exception(error)
                return
            connection.close()  # the next try starts afresh
            log.warning("a batch of %d failed; writing them one by one", len(group))
            for item in group:  # one bad row must not fail the others
                self.write_alone_if_failed([item], write_group)


class SignatureWriter(BatchWriter):
    """Writes waiting signers: rate limits in one Redis call, rows in one statement."""

    name = "signature-writer"

    def submit(self, petition: Petition, signer: actions.SignerInput, ip: str) -> Future:
        return self.put(_Waiting(petition, signer, ip))

    def write(self, batch: list[_Waiting]) -> None:
        try:
            allowed = ratelimit.signing_allowed([(w.ip, w.signer.email) for w in batch])
        except Exception as error:  # Redis is down: nothing is written unchecked
            for waiting in batch:
                waiting.future.set_exception(error)
            return
        by_petition: dict[int, list[_Waiting]] = {}
        for waiting, ok in zip(batch, allowed, strict=True):
            if not ok:
                waiting.future.set_exception(ratelimit.RateLimited())
                continue
            by_petition.setdefault(waiting.petition.pk, []).append(waiting)
        for group in by_petition.values():
            self.write_alone_if_failed(group, self._write_group)

    @staticmethod
    def _write_group(group: list[_Waiting]) -> None:
        signers = [replace(w.signer, network=network_key(w.ip)) for w in group]
        actions.sign_petitions(petition=group[0].petition, signers=signers)
        for waiting in group:
            waiting.future.set_result(True)


@dataclass
class _Confirming:
    ref_code: str
    future: Future = field(default_factory=Future)


class ConfirmationWriter(BatchWriter):
    """Confirms waiting links in one statement; each learns (petition, name), or None."""

    name = "confirmation-writer"

    def submit(self, ref_code: str) -> Future:
        return self.put(_Confirming(ref_code))

    def write(self, batch: list[_Confirming]) -> None:
        self.write_alone_if_failed(batch, self._write_group)

    @staticmethod
    def _write_group(group: list[_Confirming]) -> None:
        confirmed = actions.confirm_signatures(ref_codes=list({c.ref_code for c in group}))
        for item in group:  # a link followed twice at once counts for the first only
            item.future.set_result(confirmed.pop(item.ref_code, None))


def _through_service(local: BatchWriter):
    """``local``, or, when ``SIGN_WRITER_SOCKET`` names the signing service
    (petitions/service.py), the service's writer of that kind, falling back on ``local``."""
    if not settings.SIGN_WRITER_SOCKET:
        return local
    from groundswell.petitions import service

    kind = service.RemoteSignatureWriter
    if isinstance(local, ConfirmationWriter):
        kind = service.RemoteConfirmationWriter
    return kind(service.client(), local)


# --- The WSGI wrapper ------------------------------------------------------------------------


def _sign_slug(environ) -> str | None:
    path = environ.get("PATH_INFO", "")
    if environ["REQUEST_METHOD"] != "POST" or not path.startswith("/p/"):
        return None
    slug, _, rest = path[3:].partition("/")
    if rest != "sign/" or not slug or slug in RESERVED_SLUGS:
        return None
    return slug


def _is_secure(environ) -> bool:
    header, value = settings.SECURE_PROXY_SSL_HEADER or (None, None)
    if header and header in environ:
        return environ[header].split(",")[0].strip() == value
    return environ.get("wsgi.url_scheme") == "https"


class FastSign:
    """Answer plain signatures before Django; hand everything else to ``app`` untouched."""

    MAX_BODY = 8192

    def __init__(self, app, *, writer: SignatureWriter | None = None):
        self.app = app
        self.writer = writer or _through_service(
            SignatureWriter(max_queue=settings.SIGN_QUEUE_SIZE)
        )
        self.petitions = SignablePetitions()

    def __call__(self, environ, start_response):
        slug = _sign_slug(environ)
        if slug is None:
            return self.app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 < length <= self.MAX_BODY:
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = BytesIO(body)  # Django reads the same bytes if it must
        answer = self._sign(environ, slug, body)
        if answer is None:
            return self.app(environ, start_response)
        status, headers, content = answer
        start_response(status, headers)
        return [content]

    def _sign(self, environ, slug: str, body: bytes):
        if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            return None
        secure = _is_secure(environ)
        host = environ.get("HTTP_HOST", "")
        domain, _port = split_domain_port(host)
        if not (domain and validate_host(domain, settings.ALLOWED_HOSTS)):
            return None
        if settings.SECURE_SSL_REDIRECT and not secure:
            return None
        scheme = "https" if secure else "http"
        if not is_same_origin_meta(environ, scheme=scheme, host=host):
            return None
        signer = parse_signer(body)
        if signer is None:
            return None
        petition = self.petitions.get(slug)
        if petition is None:
            return None
        ip = ratelimit.client_ip(SimpleNamespace(META=environ))
        return self._write(environ, petition, signer, ip, slug, secure)

    def _write(self, environ, petition, signer, ip: str, slug: str, secure: bool):
        try:
            future = self.writer.submit(petition, signer, ip)
        except queue.Full:
            return _busy()
        try:
            future.result(timeout=settings.SIGN_WAIT_SECONDS)
        except FutureTimeout:
            return _busy()  # it may yet be recorded; signing again is harmless
        except ratelimit.RateLimited as limited:
            environ[RATE_LIMITED_KEY] = limited.message  # the view says so
            return None
        except ActionError:
            return None  # e.g. it closed just now: the view explains
        except Exception:
            log.exception("the signature writer failed")
            return _busy()
        return "302 Found", _redirect_headers(f"/p/{slug}/thanks/", secure), b""


def _redirect_headers(location: str, secure: bool) -> list[tuple[str, str]]:
    headers = [
        ("Location", location),
        ("Content-Length", "0"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", settings.X_FRAME_OPTIONS),
        ("Referrer-Policy", settings.SECURE_REFERRER_POLICY),
        ("Cache-Control", "no-store"),
    ]
    if secure and settings.SECURE_HSTS_SECONDS:
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            hsts += "; includeSubDomains"
        headers.append(("Strict-Transport-Security", hsts))
    return headers


def _busy():
    return busy_response("text/html; charset=utf-8", BUSY_HTML)


# --- Confirmations -------------------------------------------------------------------------

# Stand-ins the confirmed page is rendered with once per petition, then replaced per signer
# (``ConfirmedPages``). Letters only, so that no escaping or URL quoting changes them.
NAME_STAND_IN = "GsNameStandInForTheSigner"
REF_STAND_IN = "GsRefStandIn"
_CONFIRM_PREFIX = "/p/confirm/"


class ConfirmedPages:
    """A petition's "your signature counts" page, rendered by Django with stand-ins.

    Kept per process for ``seconds`` (its count may be that old), then filled in for each
    signer: their name, escaped, and their referral code in the share links.
    """

    def __init__(self, app, seconds: float = 0.5):
        self.app = app
        self.pages = Kept(seconds)

    def get(self, environ, petition_id: int):
        return self.pages.get(petition_id, lambda: self._render(environ, petition_id))

    def _render(self, environ, petition_id: int):
        inner = {k: v for k, v in environ.items() if k != "HTTP_COOKIE"}
        inner[STAND_IN_KEY] = petition_id
        seen = {}

        def start_response(status, headers, exc_info=None):
            seen.update(status=status, headers=headers)

        result = self.app(inner, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()  # Django's request_finished: its connection goes back
        if not seen["status"].startswith("200"):
            return None
        headers = [(k, v) for k, v in seen["headers"] if k.lower() != "content-length"]
        return seen["status"], headers, body

    @staticmethod
    def fill(page, *, name: str, ref_code: str):
        status, headers, body = page
        body = body.replace(NAME_STAND_IN.encode(), html.escape(name).encode())
        body = body.replace(REF_STAND_IN.encode(), ref_code.encode())
        return status, [*headers, ("Content-Length", str(len(body)))], body


class FastConfirm:
    """Confirm a followed link in a batch, and answer with the page filled in for them.

    Anything but a link that counts now (tampered, expired, followed before, a closed
    petition, a visitor who is logged in) goes on to Django, which explains.
    """

    def __init__(self, app, *, writer: ConfirmationWriter | None = None):
        self.app = app
        self.writer = writer or _through_service(
            ConfirmationWriter(max_queue=settings.SIGN_QUEUE_SIZE)
        )
        self.pages = ConfirmedPages(app)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if (
            environ["REQUEST_METHOD"] != "GET"
            or not path.startswith(_CONFIRM_PREFIX)
            or any(name + "=" in environ.get("HTTP_COOKIE", "") for name in PERSONAL_COOKIES)
        ):
            return self.app(environ, start_response)
        answer = self._confirm(environ, path[len(_CONFIRM_PREFIX) :].rstrip("/"))
        if answer is None:
            return self.app(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def _confirm(self, environ, token: str):
        try:
            ref_code = actions.ref_code_in(token)
        except ActionError:
            return None
        try:
            confirmed = self.writer.submit(ref_code).result(timeout=settings.SIGN_WAIT_SECONDS)
        except queue.Full:
            return _busy()
        except FutureTimeout:
            return _busy()
        except Exception:
            log.exception("the confirmation writer failed")
            return _busy()
        if confirmed is None:
            return None
        petition_id, name = confirmed
        environ[CONFIRMED_KEY] = ref_code  # if the page cannot be made, Django makes it
        page = self.pages.get(environ, petition_id)
        if page is None:
            return None
        return ConfirmedPages.fill(page, name=name, ref_code=ref_code)
