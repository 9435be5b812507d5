"""The fast paths: a sign form POST and a confirmation link, answered before Django's views.

Through Django's views one signature cost about 5 ms of CPU here, and a surge is thousands a
second (docs/benchmarks.md). So ``FastSign`` takes a form the sign form's own fields accept
(``forms.read_signer``) to a writer that signs whoever is waiting in one go
(``actions.sign_attempts``) and answers after that commit; ``FastConfirm`` does the same for
a confirmation link. Every answer is Django's, made by its middleware from the same settings
(``core.edge.DjangoAnswers``): the redirect once per site and petition, then replayed; the
confirmed page twice a second per petition, with stand-ins for the signer's name and code;
any other outcome by the sign view, given the outcome. Anything else goes on to Django.
"""

import functools
import html
import logging
from concurrent.futures import Future
from functools import partial
from io import BytesIO

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection
from django.utils.http import parse_header_parameters
from django.views.decorators.csrf import csrf_exempt

from groundswell.core import i18n, ratelimit
from groundswell.core.batch import BatchWriter, Waiting, wait_for
from groundswell.core.cache import Kept
from groundswell.core.edge import PERSONAL_COOKIES, DjangoAnswers, without_cookies
from groundswell.core.errors import ActionError
from groundswell.core.origin import headers_say, is_same_origin
from groundswell.petitions import actions, views
from groundswell.petitions.access import petition_for_fast_signing
from groundswell.petitions.forms import read_signer
from groundswell.petitions.models import RESERVED_SLUGS

log = logging.getLogger(__name__)

# --- The writers (core.batch.BatchWriter: group commit) ------------------------------------


class SignatureWriter(BatchWriter):
    """Signs whoever is waiting; each learns its ``actions.Signed``, or the error."""

    name = "signature-writer"

    def submit(self, attempt: actions.Attempt) -> Future:
        return self.put(Waiting(attempt))

    def write(self, batch: list[Waiting]) -> None:
        try:
            results = actions.sign_attempts(attempts=[w.work for w in batch])
        except Exception as error:  # Redis is down: nothing is written unchecked
            results = [error] * len(batch)
        for waiting, result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                waiting.future.set_exception(result)
            else:
                waiting.future.set_result(result)


class ConfirmationWriter(BatchWriter):
    """Confirms waiting links in one statement; each learns (petition, name), or None."""

    name = "confirmation-writer"

    def submit(self, ref_code: str) -> Future:
        return self.put(Waiting(ref_code))

    def write(self, batch: list[Waiting]) -> None:
        try:
            confirmed = actions.confirm_signatures(ref_codes=list({c.work for c in batch}))
        except Exception as error:
            if len(batch) == 1:
                batch[0].future.set_exception(error)
                return
            connection.close()  # the next try starts afresh
            log.warning("a batch of %d links failed; confirming them one by one", len(batch))
            for item in batch:  # one bad row must not fail the others
                self.write([item])
            return
        for item in batch:  # a link followed twice at once counts for the first only
            item.future.set_result(confirmed.pop(item.work, None))


def _through_service(local: BatchWriter):
    """The signing service's writer (petitions/service.py), if set; ``local`` meanwhile."""
    if not settings.SIGN_WRITER_SOCKET:
        return local
    from groundswell.petitions import service

    service.client().check_version()  # another version: this process must not start
    return service.Remote(service.client(), local)


# --- Signing --------------------------------------------------------------------------------

REDIRECTS = Kept(
    "fast-answer-headers",
    seconds=float("inf"),
    forgotten_by="nobody: Django's answer for one site as sent and petition, from the settings",
    max_entries=2000,
)


class FastSign:
    """Answer plain signatures before Django's views; hand everything else to ``app``."""

    MAX_BODY = 8192

    def __init__(self, app, *, writer=None, answers: DjangoAnswers | None = None):
        self.app = app
        self.writer = writer or _through_service(
            SignatureWriter(max_queue=settings.SIGN_QUEUE_SIZE)
        )
        self.answers = answers or DjangoAnswers()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        slug, _, rest = path[3:].partition("/")
        if environ["REQUEST_METHOD"] != "POST" or not path.startswith("/p/") or rest != "sign/":
            return self.app(environ, start_response)
        length = environ.get("CONTENT_LENGTH") or "0"
        length = int(length) if length.isascii() and length.isdigit() else -1
        if not 0 < length <= self.MAX_BODY or not slug or slug in RESERVED_SLUGS:
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = BytesIO(body)  # Django reads the same bytes if it must
        answer = self._sign(environ, slug, body)
        if answer is None:
            return self.app(environ, start_response)
        if callable(answer):  # an outcome for the sign view to explain
            return self.answers.answer(environ, start_response, answer)
        status, headers, content = answer
        start_response(status, headers)
        return [content]

    def _sign(self, environ, slug: str, body: bytes):
        if _content_type(environ.get("CONTENT_TYPE", "")) != "application/x-www-form-urlencoded":
            return None
        if (same_site := headers_say(environ)) is False:
            return None  # another site's page posted it: the view refuses it
        language = i18n.of_environ(environ)
        if (signer := read_signer(body, language)) is None:
            return None
        if (petition := petition_for_fast_signing(slug=slug)) is None:
            return None
        # Django's answer to a signature taken, for this site as sent and petition: False where
        # Django answers otherwise before any view (a host it refuses, its SSL redirect).
        key = (_site(environ), slug, language)
        if not (redirect := REDIRECTS.get(key, partial(self._make_redirect, environ, slug))):
            return None
        if same_site is None and not is_same_origin(WSGIRequest(environ)):
            return None  # only an Origin, and not this site's (a host Django accepted above)
        ip = ratelimit.ip_in_meta(environ) or ratelimit.client_ip(WSGIRequest(environ))
        signed, busy = wait_for(lambda: self.writer.submit(actions.Attempt(petition, signer, ip)))
        if busy or signed.recorded:
            return busy or redirect
        # No CSRF token: the sign form has none, and is_same_origin checked it as ``sign`` does.
        return csrf_exempt(partial(views.signing_answer, slug=slug, signed=signed))

    def _make_redirect(self, environ, slug: str):
        accepted = actions.Signed(actions.Outcome.ACCEPTED)
        view = partial(views.signing_answer, slug=slug, signed=accepted)
        status, headers, body = self.answers.render(without_cookies(environ), view)
        if not status.startswith("302") or any(k.lower() == "set-cookie" for k, _v in headers):
            return False
        return status, headers, body


@functools.lru_cache(maxsize=64)
def _content_type(header: str) -> str:
    return parse_header_parameters(header)[0]  # as WSGIRequest reads it


def _site(environ) -> tuple:
    """What Django's host check and scheme read from a request (HttpRequest.get_host and
    .scheme): Django's answers for one such site are kept, not made per request."""
    proxy = settings.SECURE_PROXY_SSL_HEADER
    return (
        environ.get("HTTP_HOST"),
        environ.get("HTTP_X_FORWARDED_HOST"),
        environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        environ.get("wsgi.url_scheme"),
        environ.get(proxy[0]) if proxy else None,
    )


# --- Confirmations -------------------------------------------------------------------------

# Stand-ins the confirmed page is rendered with once per petition, then replaced per signer.
# Letters only, so that no escaping or URL quoting changes them.
NAME_STAND_IN = "GsNameStandInForTheSigner"
REF_STAND_IN = "GsRefStandIn"
_CONFIRM_PREFIX = "/p/confirm/"


class FastConfirm:
    """Confirm a followed link in a batch, and answer with the page filled in for them.

    Anything but a link that counts now (tampered, expired, followed before, a closed
    petition, a visitor who is logged in) goes on to Django, which explains.
    """

    def __init__(self, app, *, writer=None, answers=None, page_seconds: float = 0.5):
        self.app = app
        self.writer = writer or _through_service(
            ConfirmationWriter(max_queue=settings.SIGN_QUEUE_SIZE)
        )
        self.answers = answers or DjangoAnswers()
        self.pages = Kept("confirmed-pages", seconds=page_seconds, forgotten_by="nobody")

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if (
            environ["REQUEST_METHOD"] != "GET"
            or not path.startswith(_CONFIRM_PREFIX)
            or any(name + "=" in environ.get("HTTP_COOKIE", "") for name in PERSONAL_COOKIES)
        ):
            return self.app(environ, start_response)
        try:
            ref_code = actions.ref_code_in(path[len(_CONFIRM_PREFIX) :].rstrip("/"))
        except ActionError:
            return self.app(environ, start_response)
        confirmed, busy = wait_for(lambda: self.writer.submit(ref_code))
        if confirmed is None and busy is None:
            return self.app(environ, start_response)
        page = busy or self.page(environ, confirmed[0])
        if page is None:  # the page could not be made ahead: Django makes theirs
            view = partial(views.confirmed_page, ref_code=ref_code)
            return self.answers.answer(environ, start_response, view)
        status, headers, body = page
        if not busy:  # the signer's name, escaped, and their referral code in the links
            body = body.replace(NAME_STAND_IN.encode(), html.escape(confirmed[1]).encode())
            body = body.replace(REF_STAND_IN.encode(), ref_code.encode())
            headers = [*headers, ("Content-Length", str(len(body)))]
        start_response(status, headers)
        return [body]

    def page(self, environ, petition_id: int):
        """The petition's "your signature counts" page with stand-ins, rendered by Django and
        kept for ``page_seconds`` (its count may be that old)."""
        key = (petition_id, i18n.of_environ(environ))  # the email's link names the language
        return self.pages.get(key, partial(self._render, environ, petition_id))

    def _render(self, environ, petition_id: int):
        stand_ins = {"name": NAME_STAND_IN, "ref_code": REF_STAND_IN}
        view = partial(views.confirmed_page_with_stand_ins, petition_id=petition_id, **stand_ins)
        status, headers, body = self.answers.render(without_cookies(environ), view)
        if not status.startswith("200"):
            return None
        return status, [(k, v) for k, v in headers if k.lower() != "content-length"], body
