"""The fast writing path (letters/writing/fastpath.py): Django's checks, batches, answers."""

import io
import queue
import re
import threading
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

from groundswell.core.edge import Admission, ResponseHeaders
from groundswell.letters.writing import actions
from groundswell.letters.writing.fastpath import FastWrite, LetterWriter
from groundswell.letters.writing.models import OfficialLetter, Writer
from groundswell.targets import congress
from tests.letters.writing.conftest import WRITER, write
from tests.threads import run_together
from tests.wsgi import call_wsgi

pytestmark = pytest.mark.django_db(transaction=True)  # the writer has its own thread

CSRF = "testCsrfTokenTestCsrfToken012345"  # a browser's cookie, and the form's field
WA_7 = ["Maria Cantwell", "Patty Murray", "Pramila Jayapal"]


def post(app, slug: str, fields: dict | None = None, **extra) -> tuple[str, dict, bytes]:
    data = {"csrfmiddlewaretoken": CSRF, **WRITER, "zip": "98105", "district": "WA-7"}
    body = urlencode({**data, **(fields or {})}).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": f"/write/{slug}/letters/",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_COOKIE": f"csrftoken={CSRF}",
        **extra,
    }
    return call_wsgi(app, environ)


class Django:
    """Django behind the fast path, counting what reaches it."""

    def __init__(self):
        self.app, self.calls = Admission(WSGIHandler(), concurrency=64), 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.app(environ, start_response)


@pytest.fixture
def site():
    django = Django()
    app = FastWrite(django, writer=LetterWriter(max_queue=100))
    app.django = django
    yield app
    app.writer.stop()  # its connection, too, before the test database goes


def error_of(page: bytes) -> str:
    return re.search(r'<p class="errors" role="alert">(.*?)</p>', page.decode(), re.S)[1]


def test_a_letter_form_is_written_by_the_batch_and_answered_after_its_commit(site, campaign):
    status, headers, page = post(site, campaign.slug)
    assert status == "200 OK" and site.django.calls == 0
    assert "Check your email" in page.decode() and "sam@example.com" in page.decode()
    writer = Writer.objects.get()  # committed before the answer left
    assert (writer.name, writer.street, writer.zip_code) == ("Sam Supporter", "1 Main St", "98105")
    assert sorted(writer.letters.values_list("target__name", flat=True)) == WA_7
    [confirmation] = mail.outbox  # the tests' immediate task backend mailed it on commit
    assert confirmation.to == ["sam@example.com"]
    assert int(headers["Content-Length"]) == len(page)


SECURITY = ["Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options",
            "Referrer-Policy", "Cross-Origin-Opener-Policy", "Content-Security-Policy",
            "Content-Type", "Content-Language", "Content-Length", "Vary", "Cache-Control",
            "Permissions-Policy", "Server", "Set-Cookie"]  # fmt: skip


def test_the_fast_answer_is_the_page_and_the_headers_the_view_gives_the_same_post(
    campaign, settings
):
    # Settings a deployment might change: the fast answer follows them as Django does.
    settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_PRELOAD = 3600, True
    settings.SECURE_REFERRER_POLICY = "no-referrer"
    settings.X_FRAME_OPTIONS = "SAMEORIGIN"
    secure = {"wsgi.url_scheme": "https", "HTTP_ORIGIN": "https://testserver"}
    django = Django()
    site = ResponseHeaders(FastWrite(django, writer=LetterWriter(max_queue=10)))
    try:
        fast = post(site, campaign.slug, **secure)
    finally:
        site.app.writer.stop()
    assert django.calls == 0  # answered by the fast path
    kim = {"email": "kim@example.com"}  # another person: Sam has written now
    slow = post(ResponseHeaders(WSGIHandler()), campaign.slug, kim, **secure)  # Django only
    assert fast[0] == slow[0] == "200 OK"
    assert fast[2] == slow[2].replace(b"kim@example.com", b"sam@example.com")
    assert {k: fast[1].get(k) for k in SECURITY} == {k: slow[1].get(k) for k in SECURITY}
    assert fast[1]["Strict-Transport-Security"].endswith("preload")


@pytest.mark.parametrize(
    "forged",
    [{"HTTP_COOKIE": "csrftoken=anotherTokenAnotherTokenAnother1"}, {"HTTP_COOKIE": ""}],
    ids=["another token", "no cookie"],
)
def test_a_form_without_its_csrf_token_is_refused_by_django_and_nothing_is_stored(
    site, campaign, forged
):
    status, _headers, _page = post(site, campaign.slug, **forged)
    assert status.startswith("403") and site.django.calls == 1
    assert not Writer.objects.exists()


def test_a_form_with_mistakes_gets_djangos_422_with_its_errors_and_what_was_typed(site, campaign):
    status, _headers, page = post(site, campaign.slug, {"email": "sam at example", "city": ""})
    assert status.startswith("422") and site.django.calls == 1
    text = page.decode()
    assert "Enter a valid email address." in text and "This field is required." in text
    assert 'value="Sam Supporter"' in text
    assert not Writer.objects.exists()


def test_writing_again_gets_the_message_the_view_gives(site, campaign, client):
    assert write(client, campaign).status_code == 200  # the view
    status, _headers, page = post(site, campaign.slug, {"email": "SAM@example.com"})
    assert status.startswith("409") and site.django.calls == 0  # rendered by the view's page
    again = write(client, campaign)
    assert again.status_code == 409
    assert error_of(page) == error_of(again.content)
    assert "You have already written to Maria Cantwell, Patty Murray, Pramila Jayapal" in (
        error_of(page)
    )
    assert Writer.objects.count() == 1


def test_moving_district_lists_the_officials_already_written_to_beside_the_new_one(site, campaign):
    post(site, campaign.slug)
    status, _headers, page = post(site, campaign.slug, {"zip": "98118", "district": "WA-9"})
    assert status == "200 OK"
    text = page.decode()
    assert "Adam Smith" in text and "no second letter is sent" in text
    assert OfficialLetter.objects.count() == 4


def test_a_batch_is_written_in_a_fixed_number_of_queries_the_same_address_twice_once(
    campaign, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr(actions, "wake_on_commit", lambda task: None)  # the mailer's queries

    def attempt(email, district=7):
        return actions.Attempt(campaign=campaign, name="Sam", email=email, state="WA",
                               district=district)  # fmt: skip

    batch = [attempt(f"p{i}@example.com") for i in range(20)]
    batch += [attempt("sam@example.com"), attempt("SAM@Example.com"), attempt("sam@example.com", 9)]
    # Each district's officials and the union's addresses for them (two each), the letters
    # already written, the writers, the letters (and on SQLite, BEGIN and COMMIT).
    with django_assert_max_num_queries(9):
        results = actions.write_many(attempts=batch)
    first, second, moved = results[-3:]
    assert len(first.letters) == 3
    assert isinstance(second, actions.AlreadyWritten)
    assert [t.name for t in moved.already_written] == ["Maria Cantwell", "Patty Murray"]
    assert [x.target.name for x in moved.letters] == ["Adam Smith"]
    assert Writer.objects.count() == 22
    assert OfficialLetter.objects.filter(email_normalised="sam@example.com").count() == 4
    again = [attempt(f"q{i}@example.com", 7 + 2 * (i % 2)) for i in range(20)]
    with django_assert_max_num_queries(5):  # the districts as read just now
        actions.write_many(attempts=again)


def test_a_batch_where_one_letter_breaks_the_constraint_stores_the_others(campaign, monkeypatch):
    taken = actions.write_to_officials(
        campaign=campaign, name="Tam", email="tam@example.com", state="WA", district=7
    )
    real = actions._written_already
    missed = []

    def misses_the_first_time(asked):  # as if another process committed just after it
        if not missed:
            missed.append(True)
            return set()
        return real(asked)

    monkeypatch.setattr(actions, "_written_already", misses_the_first_time)
    emails = ["ann@example.com", "tam@example.com", "bea@example.com"]
    results = actions.write_many(
        attempts=[
            actions.Attempt(campaign=campaign, name="N", email=e, state="WA", district=7)
            for e in emails
        ]
    )
    assert [type(r).__name__ for r in results] == ["Written", "AlreadyWritten", "Written"]
    stored = set(Writer.objects.values_list("email", flat=True))
    assert stored == {"ann@example.com", "bea@example.com", taken.writer.email}


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real contention needs PostgreSQL")
def test_two_processes_batches_racing_for_one_address_store_it_once_and_everyone_else(
    campaign, monkeypatch
):
    real, barrier, through = actions._decide, threading.Barrier(2), set()

    def both_read_before_either_writes(attempts):
        decided = real(attempts)
        if threading.current_thread() not in through:  # their first batch, not a retry
            through.add(threading.current_thread())
            barrier.wait(timeout=10)
        return decided

    monkeypatch.setattr(actions, "_decide", both_read_before_either_writes)

    def batch(i):
        emails = ["sam@example.com", f"own{i}@example.com"]
        attempts = [
            actions.Attempt(campaign=campaign, name="N", email=e, state="WA", district=7)
            for e in emails
        ]
        return [type(r).__name__ for r in actions.write_many(attempts=attempts)]

    outcomes = run_together(2, batch)
    assert sorted(outcomes) == [["AlreadyWritten", "Written"], ["Written", "Written"]]
    assert OfficialLetter.objects.filter(email_normalised="sam@example.com").count() == 3
    assert set(Writer.objects.values_list("email", flat=True)) == {
        "sam@example.com", "own0@example.com", "own1@example.com"
    }  # fmt: skip


def test_past_the_limit_the_view_says_so_and_each_request_is_counted_once(site, campaign, settings):
    settings.GROUNDSWELL = {**settings.GROUNDSWELL, "WRITE_RATE_PER_EMAIL": "2/h"}
    assert post(site, campaign.slug)[0] == "200 OK"
    assert post(site, campaign.slug, {"zip": "98118", "district": "WA-9"})[0] == "200 OK"
    status, _headers, page = post(site, campaign.slug, {"email": "SAM@Example.com"})
    assert status.startswith("429") and "Too many attempts" in page.decode()
    assert site.django.calls == 0  # counted by the fast path alone
    assert Writer.objects.count() == 2


def test_past_the_limit_per_network_other_addresses_are_refused_too(site, campaign, settings):
    settings.GROUNDSWELL = {**settings.GROUNDSWELL, "WRITE_RATE_PER_IP": "2/h"}
    emails = ["ann@example.com", "bea@example.com", "cat@example.com"]
    statuses = [post(site, campaign.slug, {"email": e})[0][:3] for e in emails]
    assert statuses == ["200", "200", "429"]
    other_network = post(site, campaign.slug, {"email": "dan@example.com"}, REMOTE_ADDR="192.0.2.7")
    assert other_network[0] == "200 OK"
    assert Writer.objects.count() == 3


def test_the_address_on_the_page_is_escaped(site, campaign):
    status, _headers, page = post(site, campaign.slug, {"email": "o'neil&co@example.com"})
    assert status == "200 OK"
    assert b"o&#x27;neil&amp;co@example.com" in page
    assert b"o'neil&co" not in page


def test_a_spanish_reader_gets_the_page_in_spanish_and_an_english_one_in_english(site, campaign):
    status, _headers, page = post(site, campaign.slug, QUERY_STRING="lang=es")
    assert status == "200 OK" and "Revise su correo" in page.decode()
    other = {"email": "kim@example.com"}
    english = post(site, campaign.slug, other)[2].decode()
    assert "Check your email" in english and "Revise su correo" not in english
    spanish = post(site, campaign.slug, {"email": "ana@example.com"}, HTTP_ACCEPT_LANGUAGE="es")
    assert "Revise su correo" in spanish[2].decode()
    again = post(site, campaign.slug, QUERY_STRING="lang=es")  # worded in the writer's thread
    assert again[0].startswith("409") and "Usted ya escribió a" in error_of(again[2])
    assert site.django.calls == 0


def test_a_host_not_allowed_is_refused_by_django(site, campaign):
    status, _headers, _page = post(site, campaign.slug, HTTP_HOST="evil.example")
    assert status == "400 Bad Request" and site.django.calls == 1
    assert not Writer.objects.exists()


def test_a_form_of_too_many_fields_is_refused_by_django(site, campaign):
    status, _headers, _page = post(site, campaign.slug, {f"f{i}": "" for i in range(1100)})
    assert status == "400 Bad Request" and site.django.calls == 1
    assert not Writer.objects.exists()


def test_a_closed_campaign_is_explained_by_django(site, campaign):
    campaign.status = campaign.Status.CLOSED
    campaign.save()
    status, _headers, page = post(site, campaign.slug)
    assert status.startswith("409") and "not taking letters" in page.decode()
    assert site.django.calls == 1
    assert not Writer.objects.exists()


def test_a_logged_in_visitor_is_answered_by_django(site, campaign):
    cookie = f"csrftoken={CSRF}; sessionid=whoever"
    assert post(site, campaign.slug, HTTP_COOKIE=cookie)[0] == "200 OK"
    assert site.django.calls == 1


def test_a_full_writer_queue_is_answered_503_at_once_and_nothing_is_stored(campaign):
    class Full(LetterWriter):
        def put(self, item):
            raise queue.Full

    app = FastWrite(Django(), writer=Full(max_queue=1))
    status, headers, page = post(app, campaign.slug)
    assert status.startswith("503") and headers["Retry-After"] == "1"
    assert b"Nothing you sent was recorded" in page
    assert not Writer.objects.exists()


def test_the_site_writes_through_the_fast_path():
    from groundswell.wsgi import application

    # Inside the access log, the headers, the microcache and the signing fast paths.
    assert isinstance(application.app.app.app.app.app, FastWrite)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="only PostgreSQL has the pool")
def test_the_fast_path_gives_its_database_connection_back(site, campaign):
    # Outside Django's request cycle nothing else would, and 32 server threads each keeping
    # one run a pool of 16 dry (the form's ZIP table checks its edition once a second).
    post(site, campaign.slug)  # the page is made now, and kept
    congress.forget_zip_table()
    held = []

    def request():
        post(site, campaign.slug, {"email": "kim@example.com"})
        held.append(connection.connection is not None)

    thread = threading.Thread(target=request)
    thread.start()
    thread.join(10)
    assert held == [False]
    assert Writer.objects.count() == 2
