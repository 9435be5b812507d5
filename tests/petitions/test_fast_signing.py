"""The fast signing path (petitions/fastpath.py): the one signer schema, batches, answers."""

import io
import queue
from concurrent.futures import Future
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.http import QueryDict

from groundswell.core.edge import Admission
from groundswell.petitions import actions, fastpath
from groundswell.petitions.fastpath import FastSign, SignatureWriter
from groundswell.petitions.forms import SignatureForm, read_signer
from groundswell.petitions.models import Signature
from tests.threads import run_together
from tests.wsgi import call_wsgi

PLAIN = {"name": "Sam Supporter", "email": "sam@example.com", "postcode": "10001", "country": "US"}

CASES = [
    PLAIN,
    {**PLAIN, "name": "  Sam    Q.   Supporter "},
    {**PLAIN, "email": " Sam@Example.COM "},
    {**PLAIN, "comment": "Because it matters.", "show_name": "on", "wants_updates": "on"},
    {**PLAIN, "ref": "abcDEF123_-x"},
    {**PLAIN, "postcode": " sw1a 1aa "},
    {**PLAIN, "csrfmiddlewaretoken": "left over from an old page"},
    {**PLAIN, "show_name": "true", "wants_updates": "1"},
    {k: v for k, v in PLAIN.items() if k != "name"},
    {**PLAIN, "name": "   "},
    {**PLAIN, "name": "x" * 101},
    {**PLAIN, "name": "a" + " " * 99 + "b"},
    {**PLAIN, "email": "not an address"},
    {**PLAIN, "email": "a@b"},
    {**PLAIN, "email": "x" * 250 + "@example.com"},
    {k: v for k, v in PLAIN.items() if k != "postcode"},
    {**PLAIN, "postcode": "1" * 17},
    {**PLAIN, "country": "XX"},
    {**PLAIN, "country": "us"},
    {**PLAIN, "country": ""},
    {**PLAIN, "website": "http://spam.example"},
    {**PLAIN, "name": "Sam\x00"},
    {**PLAIN, "comment": "c" * 501},
    {**PLAIN, "show_name": "yes please"},
    {**PLAIN, "ref": "r" * 17},
    {**PLAIN, "name": "Sam \u202eexe.doc"},
    {**PLAIN, "name": "\u200bSam\u200b Supp\u200dorter\ufeff"},
    {**PLAIN, "name": "Zoe\u0301 Cafe\u0301"},
    {**PLAIN, "name": "\u2066\u2067\u2068\u2069\u200e\u200f"},
    {**PLAIN, "name": "\u0645\u062d\u0645\u062f\u200c\u0631\u0636\u0627"},
    {**PLAIN, "name": "x" * 99 + "\u200b\u200b"},
    {**PLAIN, "src": "whatsapp"},
    {**PLAIN, "src": "embed"},
    {**PLAIN, "src": "not-a-channel"},
    {**PLAIN, "src": "s" * 40},
]


@pytest.mark.parametrize("fields", CASES, ids=range(len(CASES)))
def test_the_fast_path_reads_a_signer_exactly_as_the_form_does(fields):
    # One schema: read_signer cleans with the form's own fields, so a rule added to the
    # form anywhere but in a field (a form-level clean) would show here.
    body = urlencode(fields)
    signer = read_signer(body.encode())
    form = SignatureForm(QueryDict(body))
    if form.is_valid() and not form.is_bot:
        assert signer == form.signer()
    else:
        assert signer is None


def test_a_plain_form_takes_the_fast_path():
    assert read_signer(urlencode(PLAIN).encode()) is not None
    assert read_signer(urlencode(CASES[3]).encode()) is not None


@pytest.mark.parametrize("body", [b"\xff\xfe", b"name=%zz&email", b"a=1&&&b"])
def test_bytes_that_are_not_a_form_are_left_to_django(body):
    assert read_signer(body) is None


def post(app, slug: str, fields: dict, **extra) -> tuple[str, dict, bytes]:
    body = urlencode(fields).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": f"/p/{slug}/sign/",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_SEC_FETCH_SITE": "same-origin",
        **extra,
    }
    return call_wsgi(app, {k: v for k, v in environ.items() if v is not None})


class Counting:
    """Django behind the fast path, counting what reaches it."""

    def __init__(self):
        self.django, self.calls = Admission(WSGIHandler(), concurrency=64), 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.django(environ, start_response)


class Taking:
    """A writer that takes every attempt as signed, and keeps them."""

    def __init__(self):
        self.attempts = []

    def submit(self, attempt):
        self.attempts.append(attempt)
        future = Future()
        future.set_result(actions.Signed(actions.Outcome.ACCEPTED))
        return future


@pytest.fixture
def site():
    django = Counting()
    app = FastSign(django, writer=SignatureWriter(max_queue=1000))
    app.django = django
    yield app
    app.writer.stop()  # its connection, too, before the test database goes


pytestmark_writer = pytest.mark.django_db(transaction=True)  # the writer has its own thread


@pytestmark_writer
def test_a_plain_signature_is_answered_after_its_row_is_committed(site, petition):
    status, headers, _ = post(site, petition.slug, PLAIN)
    assert status == "302 Found"
    assert headers["Location"] == f"/p/{petition.slug}/thanks/"
    assert headers["X-Content-Type-Options"] == "nosniff"
    signature = Signature.objects.get()  # committed before the answer left
    assert signature.email == "sam@example.com" and signature.status == "pending"
    assert signature.emails_owed == 1
    [message] = mail.outbox  # the tests' immediate task backend ran the mailer on commit
    assert message.to == ["sam@example.com"]
    assert site.django.calls == 0


@pytestmark_writer
def test_signing_again_is_answered_the_same_and_owes_one_more_email(site, petition):
    first = post(site, petition.slug, PLAIN)
    again = post(site, petition.slug, {**PLAIN, "email": "SAM@example.com"})
    assert first[:2] == again[:2]
    assert Signature.objects.get().emails_owed == 2


@pytestmark_writer
def test_the_fast_answer_is_the_answer_the_form_gives(site, petition, client):
    fast = post(site, petition.slug, PLAIN)
    slow = client.post(f"/p/{petition.slug}/sign/", {**PLAIN, "email": "other@example.com"})
    assert fast[0].startswith(str(slow.status_code)) and fast[1]["Location"] == slow["Location"]


@pytestmark_writer
def test_a_form_with_mistakes_goes_to_django_and_keeps_what_was_typed(site, petition):
    status, _, content = post(site, petition.slug, {**PLAIN, "email": "sam at example"})
    assert status.startswith("422")
    assert b"Sam Supporter" in content and b"valid email" in content
    assert not Signature.objects.exists()


@pytestmark_writer
def test_another_sites_form_is_refused_by_django(site, petition):
    status, _, _ = post(site, petition.slug, PLAIN, HTTP_SEC_FETCH_SITE="cross-site")
    assert status.startswith("403")
    assert not Signature.objects.exists()


@pytestmark_writer
def test_a_closed_petition_is_explained_by_django(site, petition):
    actions.close_petition(petition=petition)
    status, _, content = post(site, petition.slug, PLAIN)
    assert status.startswith("409") and b"closed" in content
    assert not Signature.objects.exists()


@pytestmark_writer
def test_past_the_limit_the_sign_view_says_so_and_each_attempt_is_counted_once(site, petition):
    answers = [post(site, petition.slug, PLAIN) for _ in range(6)]
    assert [status[:3] for status, _, _ in answers] == ["302"] * 5 + ["429"]
    assert b"Sam Supporter" in answers[-1][2]  # the form again, with what they typed
    assert site.django.calls == 0  # decided once, by the writer, and explained by the view


@pytestmark_writer
def test_an_action_error_counts_the_attempt_once(site, petition, settings, monkeypatch):
    settings.GROUNDSWELL = {**settings.GROUNDSWELL, "SIGN_RATE_PER_PERSON": "2/h"}
    real = actions.sign_petitions
    closed_once = []

    def closed_the_first_time(*, petition, signers):
        if not closed_once:
            closed_once.append(True)
            raise actions.PetitionNotSignable("This petition closed just now.")
        return real(petition=petition, signers=signers)

    monkeypatch.setattr(actions, "sign_petitions", closed_the_first_time)
    first = post(site, petition.slug, PLAIN)
    assert first[0].startswith("409") and b"closed just now" in first[2]
    # Counted once, the attempt leaves one of two: counted twice, this one would be refused.
    assert post(site, petition.slug, PLAIN)[0].startswith("302")
    assert post(site, petition.slug, PLAIN)[0].startswith("429")


def test_a_full_writer_queue_is_answered_503_at_once(petition):
    class Full:
        def submit(self, *args):
            raise queue.Full

    app = FastSign(Counting(), writer=Full())
    status, headers, content = post(app, petition.slug, PLAIN)
    assert status.startswith("503") and headers["Retry-After"] == "1"
    assert b"Nothing you sent was recorded" in content


@pytestmark_writer
def test_one_bad_row_does_not_fail_the_rest_of_its_batch(petition, monkeypatch):
    real = actions.sign_petitions

    def picky(*, petition, signers):
        if any(s.email == "bad@example.com" for s in signers):
            raise RuntimeError("this row breaks the batch")
        return real(petition=petition, signers=signers)

    monkeypatch.setattr(actions, "sign_petitions", picky)
    emails = ["a@example.com", "bad@example.com", "b@example.com"]
    signers = [actions.SignerInput("N", email, "1", "US") for email in emails]
    batch = [fastpath.Waiting(actions.Attempt(petition, s, "192.0.2.1")) for s in signers]
    SignatureWriter(max_queue=10).write(batch)
    assert [w.future.exception() is None for w in batch] == [True, False, True]
    assert sorted(Signature.objects.values_list("email", flat=True)) == emails[::2]


@pytest.mark.postgres
@pytestmark_writer
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real contention needs PostgreSQL")
def test_forty_people_at_once_are_all_recorded_in_few_transactions(site, petition):
    outcomes = run_together(
        40, lambda i: post(site, petition.slug, {**PLAIN, "email": f"p{i}@example.com"})[0]
    )
    assert outcomes == ["302 Found"] * 40
    assert Signature.objects.count() == 40
    assert site.django.calls == 0


@pytest.mark.postgres
@pytestmark_writer
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real contention needs PostgreSQL")
def test_forty_spellings_of_one_address_at_once_leave_one_signature(site, petition, settings):
    settings.GROUNDSWELL = {**settings.GROUNDSWELL, "SIGN_RATE_PER_PERSON": "100/h",
                            "SIGN_RATE_PER_EMAIL": "100/h"}  # fmt: skip
    spellings = [f"Sam.Supporter+{i}@GMail.com" for i in range(40)]
    outcomes = run_together(
        40, lambda i: post(site, petition.slug, {**PLAIN, "email": spellings[i]})[0]
    )
    assert outcomes == ["302 Found"] * 40
    signature = Signature.objects.get()
    assert signature.emails_owed == settings.GROUNDSWELL["MAX_SIGNATURE_EMAILS"]


def test_the_site_serves_through_the_fast_path():
    from groundswell.wsgi import application

    # Inside the access log, the headers and the microcache.
    assert isinstance(application.app.app.app, FastSign)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="only PostgreSQL has the pool")
@pytestmark_writer
def test_the_fast_path_gives_its_database_connection_back(site, petition):
    # Outside Django's request cycle nothing else would: with a pool of 16 connections,
    # 32 server threads each keeping one ran the pool dry within seconds.
    import threading

    held = []

    def request():
        post(site, petition.slug, PLAIN)
        held.append(connection.connection is not None)

    thread = threading.Thread(target=request)
    thread.start()
    thread.join(10)
    assert held == [False]


@pytestmark_writer
def test_a_spanish_reader_signs_in_spanish_on_the_fast_path_and_english_readers_stay_english(
    site, petition
):
    status, headers, _ = post(site, petition.slug, PLAIN, QUERY_STRING="lang=es")
    assert status == "302 Found"
    assert headers["Location"] == f"/p/{petition.slug}/thanks/?lang=es"
    [message] = mail.outbox
    assert message.subject.startswith("Confirme su firma")  # in the language they read
    other = {**PLAIN, "email": "ann@example.com"}
    status, headers, _ = post(site, petition.slug, other)  # the same petition and host
    assert headers["Location"] == f"/p/{petition.slug}/thanks/"
    languages = dict(Signature.objects.values_list("email", "language"))
    assert languages == {"sam@example.com": "es", "ann@example.com": "en"}
    assert site.django.calls == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("origin", "fast"),
    [("http://testserver", True), ("https://testserver", False), ("http://evil.example", False)],
)
def test_a_browser_that_sends_only_its_origin_is_judged_by_django_s_scheme_and_host(
    petition, origin, fast
):
    # Older browsers send no Sec-Fetch-Site: the Origin must be this site as Django sees it.
    django, writer = Counting(), Taking()
    status, _, _ = post(
        FastSign(django, writer=writer), petition.slug, PLAIN,
        HTTP_SEC_FETCH_SITE=None, HTTP_ORIGIN=origin,
    )  # fmt: skip
    assert status == ("302 Found" if fast else "403 Forbidden")
    assert (len(writer.attempts), django.calls) == ((1, 0) if fast else (0, 1))


def the_proxy_s_header(request):
    return request.META["HTTP_X_CLIENT"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "extra", "ip"),
    [
        (None, {}, "203.0.113.9"),
        ("HTTP_X_REAL_IP", {"HTTP_X_REAL_IP": "198.51.100.4"}, "198.51.100.4"),
        (the_proxy_s_header, {"HTTP_X_CLIENT": "2001:db8::7"}, "2001:db8::"),
    ],
    ids=["remote-addr", "meta-key", "function"],
)
def test_the_fast_path_limits_the_address_the_settings_name(petition, settings, key, extra, ip):
    # A function in RATELIMIT_IP_META_KEY is given a Django request, as django-ratelimit does.
    settings.RATELIMIT_IP_META_KEY = key
    writer = Taking()
    status, _, _ = post(FastSign(Counting(), writer=writer), petition.slug, PLAIN, **extra)
    assert status == "302 Found"
    assert [attempt.ip for attempt in writer.attempts] == [ip]
