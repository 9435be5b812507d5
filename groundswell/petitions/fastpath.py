"""The fast signing path: a sign form POST answered before Django's request cycle.

A surge is thousands of people a second sending the same small form. Through Django's
middleware, form and ORM, one signature cost about 5 ms of CPU on a 2-core machine; the
surge target is 2,000 a second (docs/benchmarks.md). So ``FastSign``, a WSGI wrapper
(groundswell/wsgi.py), takes the plain case itself:

1. ``POST /p/<slug>/sign/`` from this site, with a form that passes every rule of
   ``SignatureForm`` (``parse_signer``, tested against the form itself);
2. the same three rate limits, in one Redis round trip;
3. the signer is handed to this process's ``SignatureWriter``, a thread that writes
   whoever is waiting in one transaction through ``actions.sign_petitions`` (group
   commit: the busier the site, the bigger the batch);
4. the answer, the same redirect as the form's, goes out only after that commit.

Anything else (an error to show, a closed petition, a bot, another site's form, a rate
limit) goes on to Django untouched, which answers as it always has. When the writer's
queue is full the answer is 503 with Retry-After at once: nothing was recorded, and the
browser still has the form filled in.
"""

import logging
import queue
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from io import BytesIO
from types import SimpleNamespace
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import close_old_connections, connection
from django.http.request import split_domain_port, validate_host
from django_countries import countries

from groundswell.core import ratelimit
from groundswell.core.edge import BUSY_HTML
from groundswell.core.errors import ActionError
from groundswell.core.origin import is_same_origin_meta
from groundswell.petitions import actions
from groundswell.petitions.models import RESERVED_SLUGS, Petition

log = logging.getLogger(__name__)

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
    raw_name = data.get("name", "").strip()
    name = " ".join(raw_name.split())
    email = data.get("email", "").strip()
    postcode = data.get("postcode", "").strip()
    comment = data.get("comment", "").strip()
    ref = data.get("ref", "").strip()
    flags = {key: data.get(key, "") for key in ("show_name", "wants_updates")}
    if not (name and email and postcode) or len(ref) > 16:
        return None
    lengths = {"name": raw_name, "email": email, "postcode": postcode, "comment": comment}
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
    return actions.SignerInput(
        name=name,
        email=email,
        postcode=postcode,
        country=data["country"],
        comment=comment,
        show_name=flags["show_name"] in _TRUE,
        wants_updates=flags["wants_updates"] in _TRUE,
        referral_code=ref,
    )


# --- Which petitions take signatures ----------------------------------------------------------


class SignablePetitions:
    """Open petitions by slug, remembered by this process for ``seconds``.

    A petition that closes may take signatures for up to that long in this process;
    ``sign_petitions`` refuses them once it has seen the petition closed.
    """

    def __init__(self, seconds: float = 1.0):
        self.seconds = seconds
        self.known: dict[str, tuple[float, Petition | None]] = {}

    def get(self, slug: str) -> Petition | None:
        now = time.monotonic()
        hit = self.known.get(slug)
        if hit is not None and hit[0] > now:
            return hit[1]
        fields = ("id", "slug", "title", "status", "closes_on")
        petition = Petition.objects.open().only(*fields).filter(slug=slug).first()
        if petition is not None and not petition.is_signable():
            petition = None
        if len(self.known) > 10_000:  # slugs people made up
            self.known.clear()
        self.known[slug] = (now + self.seconds, petition)
        return petition


# --- The writer: group commit ---------------------------------------------------------------


@dataclass
class _Waiting:
    petition: Petition
    signer: actions.SignerInput
    ip: str
    future: Future = field(default_factory=Future)


class SignatureWriter:
    """One thread per process that writes waiting signers in one transaction at a time.

    Everything that costs a round trip is done once for the whole batch: the rate-limit
    counters (one Redis pipeline) and the rows (``actions.sign_petitions``).
    """

    def __init__(self, *, max_queue: int, max_batch: int = 500):
        self.queue: queue.Queue[_Waiting] = queue.Queue(maxsize=max_queue)
        self.max_batch = max_batch
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def submit(self, petition: Petition, signer: actions.SignerInput, ip: str) -> Future:
        """Queue a signer; raises queue.Full past capacity."""
        self._start()
        waiting = _Waiting(petition, signer, ip)
        self.queue.put_nowait(waiting)
        return waiting.future

    def _start(self) -> None:
        if self.thread is None or not self.thread.is_alive():
            with self.lock:
                if self.thread is None or not self.thread.is_alive():
                    self.thread = threading.Thread(
                        target=self._run, name="signature-writer", daemon=True
                    )
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
                    waiting = self.queue.get_nowait()
                except queue.Empty:
                    break
                if waiting is None:
                    self.queue.put(None)  # stop after this batch
                    break
                batch.append(waiting)
            self.write(batch)

    def write(self, batch: list[_Waiting]) -> None:
        close_old_connections()
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
            try:
                self._write_group(group)
            except Exception as error:
                if len(group) == 1:
                    group[0].future.set_exception(error)
                    continue
                connection.close()  # the next try starts afresh
                log.warning("a batch of %d signatures failed; writing them one by one", len(group))
                for waiting in group:  # one bad row must not fail the others
                    self.write([waiting])

    @staticmethod
    def _write_group(group: list[_Waiting]) -> None:
        actions.sign_petitions(petition=group[0].petition, signers=[w.signer for w in group])
        for waiting in group:
            waiting.future.set_result(True)


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
        self.writer = writer or SignatureWriter(max_queue=settings.SIGN_QUEUE_SIZE)
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
            environ["groundswell.rate_limited"] = limited.message  # the view says so
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
    return (
        "503 Service Unavailable",
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(BUSY_HTML))),
            ("Retry-After", "1"),
            ("Cache-Control", "no-store"),
        ],
        BUSY_HTML,
    )
