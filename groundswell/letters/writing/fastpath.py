"""The fast path for writing to one's officials: the letter form's POST, answered before
Django's views, as signing's is (petitions/fastpath.py, docs/architecture.md "Serving").

Through the ``write`` view a supporter cost about ten queries, a transaction and the whole
middleware stack (326 letters/s, docs/benchmarks.md). ``FastWrite`` checks what the view
checks, with the same parts (Django's host check and ``CsrfViewMiddleware``, the same
``WritingForm``, ``access.limit_writing``), hands the supporter to a ``LetterWriter``
thread that writes whoever is waiting in one transaction (``actions.write_many``), and
answers after that commit. Every answer is Django's (``core.edge.DjangoAnswers``): the
common one, every official written to, is the page ``views.written_answer`` renders once per
host, campaign, district and language, with a stand-in for the address; any other outcome
is rendered by that view, given the outcome. Anything unusual (a form with mistakes, a
wrong CSRF token, a logged-in visitor, a campaign not open) goes on to Django.
"""

import re
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from io import BytesIO

from django.conf import settings
from django.core.exceptions import DisallowedHost, SuspiciousOperation
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import translation
from django.utils.html import escape

from groundswell.core import i18n
from groundswell.core.batch import BatchWriter, Waiting, wait_for
from groundswell.core.cache import Kept
from groundswell.core.edge import PERSONAL_COOKIES, DjangoAnswers, without_cookies
from groundswell.core.errors import ActionError
from groundswell.core.ratelimit import RateLimited
from groundswell.letters.writing import access, actions, lookup, views
from groundswell.letters.writing.forms import WritingForm
from groundswell.letters.writing.models import OfficialLetter, Writer

# The page is rendered once with this for the address, then filled in for each writer.
# Letters only, so that escaping changes nothing of it.
EMAIL_STAND_IN = "GsEmailStandInForTheWriter"
_PATH = re.compile(r"/write/(?P<slug>[-a-zA-Z0-9_]+)/letters/")  # urls.py's <slug:slug>


class _CsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check; a refusal is left to Django, which logs it and answers 403."""

    def _reject(self, request, reason):
        return reason


class LetterWriter(BatchWriter):
    """Writes whoever is waiting in one transaction; each learns its ``actions.Written``, or
    the ``ActionError`` that says why nothing was written."""

    name = "letter-writer"

    def submit(self, attempt: actions.Attempt) -> Future:
        return self.put(Waiting(attempt))

    def write(self, batch: list[Waiting]) -> None:
        try:
            results = actions.write_many(attempts=[w.work for w in batch])
        except Exception as error:  # the database is down: each of them is told to retry
            connection.close()  # the next batch starts afresh
            for waiting in batch:
                waiting.future.set_exception(error)
            return
        for waiting, result in zip(batch, results, strict=True):
            waiting.future.set_result(result)


@dataclass(frozen=True)
class Page:
    """Django's page for a writer who wrote to every official of a district."""

    status: str
    headers: list
    body: bytes
    officials: list[int]  # the ones it lists

    def for_writer(self, email: str) -> tuple[str, list, bytes]:
        body = self.body.replace(EMAIL_STAND_IN.encode(), escape(email).encode())
        return self.status, [*self.headers, ("Content-Length", str(len(body)))], body


class FastWrite:
    """Write plain letter forms in a batch before Django's views; hand the rest to ``app``."""

    MAX_BODY = 8192

    def __init__(self, app, *, writer=None, answers=None, page_seconds: float = 10.0):
        self.app = app
        self.writer = writer or LetterWriter(max_queue=settings.SIGN_QUEUE_SIZE)
        self.answers = answers or DjangoAnswers()
        self.csrf = _CsrfCheck(lambda request: None)
        self.pages = Kept(
            "written-pages",
            seconds=page_seconds,
            forgotten_by="nobody: a campaign's new title or a directory change shows within it",
        )

    def __call__(self, environ, start_response):
        match = _PATH.fullmatch(environ.get("PATH_INFO", ""))
        length = environ.get("CONTENT_LENGTH") or "0"
        length = int(length) if length.isascii() and length.isdigit() else -1
        if (
            environ["REQUEST_METHOD"] != "POST"
            or match is None
            or match["slug"] == "answer"  # an office's answer link (urls.py)
            or not 0 < length <= self.MAX_BODY
            or any(name + "=" in environ.get("HTTP_COOKIE", "") for name in PERSONAL_COOKIES)
        ):
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = BytesIO(body)
        try:
            answer = self._write(environ, match["slug"])
        finally:  # the form's ZIP table checks its edition now and then: outside Django's
            if not connection.in_atomic_block:  # request cycle nothing else gives it back
                connection.close()
        environ["wsgi.input"] = BytesIO(body)  # Django reads the same bytes, if it must
        if answer is None:
            return self.app(environ, start_response)
        if callable(answer):  # an outcome for the view to explain
            return self.answers.answer(environ, start_response, answer)
        status, headers, content = answer
        start_response(status, headers)
        return [content]

    def _write(self, environ, slug: str):
        request = WSGIRequest({**environ})  # its META takes the CSRF check's notes, not environ
        language = i18n.of_environ(environ)
        try:
            key = (request.scheme, request.get_host(), slug, language)
        except DisallowedHost:
            return None  # Django refuses it
        if request.content_type != "application/x-www-form-urlencoded":
            return None
        if (campaign := access.campaign_for_fast_writing(slug)) is None:
            return None
        try:
            self.csrf.process_request(request)  # Django's own check, as for the view
            if self.csrf.process_view(request, views.write, (), {"slug": slug}) is not None:
                return None  # Django refuses it, and says why
            form = WritingForm(request.POST, campaign=campaign)
            if not form.is_valid():
                return None  # Django shows the form again, with its errors
        except SuspiciousOperation:  # e.g. too many fields: Django answers 400
            return None
        data = form.cleaned_data
        state, district = data["district"]
        make = partial(self._render, environ, campaign, state, district)
        if not (page := self.pages.get((*key, state, district), make)):
            return None  # Django answers this request otherwise (e.g. its SSL redirect)
        with translation.override(language):  # the refusal's words
            try:
                access.limit_writing(request, data["email"])
            except RateLimited as limit:
                return partial(views.written_answer, campaign=campaign, error=limit)
        attempt = actions.Attempt(**form.attempt(language))
        written, busy = wait_for(lambda: self.writer.submit(attempt))
        if busy:
            return busy
        if isinstance(written, ActionError):
            return partial(views.written_answer, campaign=campaign, error=written)
        officials = [letter.target_id for letter in written.letters]
        if written.already_written or written.no_contact or officials != page.officials:
            return partial(views.written_answer, campaign=campaign, written=written)
        return page.for_writer(written.writer.email)

    def _render(self, environ, campaign, state: str, district: int) -> Page | bool:
        """The page for a writer who wrote to every official of the district, with the
        stand-in for their address; False if Django would not answer 200 without a cookie."""
        officials = lookup.officials_for(state, district)
        writer = Writer(campaign=campaign, email=EMAIL_STAND_IN)
        letters = [OfficialLetter(writer=writer, target=t) for t in officials]
        written = actions.Written(writer, letters)
        view = partial(views.written_answer, campaign=campaign, written=written)
        status, headers, body = self.answers.render(without_cookies(environ), view)
        if not status.startswith("200") or any(k.lower() == "set-cookie" for k, _v in headers):
            return False
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        return Page(status, headers, body, [t.pk for t in officials])
