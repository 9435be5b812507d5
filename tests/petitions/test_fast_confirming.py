"""The fast confirmation path (petitions/fastpath.FastConfirm): batches, the filled page."""

import threading
import time

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

from groundswell.core.edge import Admission
from groundswell.petitions import actions, counting
from groundswell.petitions.fastpath import ConfirmationWriter, FastConfirm
from groundswell.petitions.models import Signature
from tests.conftest import sign
from tests.threads import run_together
from tests.wsgi import call_wsgi

pytestmark = pytest.mark.django_db(transaction=True)  # the writer has its own thread


def follow(app, path: str, **extra) -> tuple[str, dict, bytes]:
    return call_wsgi(app, {"REQUEST_METHOD": "GET", "PATH_INFO": path, **extra})


@pytest.fixture
def site():
    app = FastConfirm(Admission(WSGIHandler(), concurrency=64))
    yield app
    app.writer.stop()


def test_a_followed_link_counts_and_shows_the_signers_own_page(site, petition):
    signature = sign(petition, "ann@example.com", name="Ann <b>Lee</b>")
    status, headers, body = follow(site, signature.get_confirm_path())
    assert status == "200 OK"
    page = body.decode()
    assert "Thank you, Ann &lt;b&gt;Lee&lt;/b&gt;" in page
    assert f"?ref={signature.ref_code}" in page and "GsRefStandIn" not in page
    assert int(headers["Content-Length"]) == len(body)
    assert "no-store" in headers["Cache-Control"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    signature.refresh_from_db()
    assert signature.status == "confirmed"
    counting.forget(petition.pk)
    assert counting.confirmed_count(petition.pk) == 1


def test_two_signers_of_one_petition_each_get_their_own_page(site, petition):
    ann, bob = (
        sign(petition, "ann@example.com", name="Ann"),
        sign(petition, "bob@example.com", name="Bob"),
    )
    ann_page = follow(site, ann.get_confirm_path())[2].decode()
    bob_page = follow(site, bob.get_confirm_path())[2].decode()
    assert (
        "Thank you, Ann" in ann_page and ann.ref_code in ann_page and bob.ref_code not in ann_page
    )
    assert (
        "Thank you, Bob" in bob_page and bob.ref_code in bob_page and ann.ref_code not in bob_page
    )


def test_a_link_followed_again_is_explained_by_django_and_counted_once(site, petition):
    path = sign(petition).get_confirm_path()
    assert follow(site, path)[0] == "200 OK"
    status, _, body = follow(site, path)
    assert status.startswith("409") and b"already confirmed" in body
    counting.forget(petition.pk)
    assert counting.confirmed_count(petition.pk) == 1


def test_the_old_link_of_a_withdrawn_signature_counts_nothing_and_says_why(site, petition):
    signature = sign(petition, "wren@example.com")
    actions.withdraw_signature(token=signature.withdraw_token())

    status, _, body = follow(site, signature.get_confirm_path())

    assert status.startswith("410") and b"This signature was withdrawn" in body
    assert Signature.objects.get(pk=signature.pk).status == "withdrawn"
    counting.forget(petition.pk)
    assert counting.confirmed_count(petition.pk) == 0


def test_a_tampered_link_counts_nothing(site, petition):
    path = sign(petition).get_confirm_path()
    status, _, _ = follow(site, path[:-3] + "xx/")
    assert status.startswith("410")
    assert not Signature.objects.confirmed().exists()


def test_a_link_to_a_closed_petition_counts_nothing(site, petition):
    path = sign(petition).get_confirm_path()
    actions.close_petition(petition=petition)
    status, _, body = follow(site, path)
    assert status.startswith("409") and b"closed" in body
    assert not Signature.objects.confirmed().exists()


def test_someone_logged_in_gets_djangos_own_page(site, petition, alice, client):
    client.force_login(alice)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    path = sign(petition).get_confirm_path()
    status, _, body = follow(site, path, HTTP_COOKIE=cookie)
    assert status == "200 OK" and b"Log out" in body


def test_confirm_signatures_confirms_only_what_may_count(petition):
    fresh, done = sign(petition, "a@example.com"), sign(petition, "b@example.com")
    actions.confirm_signature(token=done.confirmation_token())
    confirmed = actions.confirm_signatures(ref_codes=[fresh.ref_code, done.ref_code, "nobody"])
    assert confirmed == {fresh.ref_code: (petition.pk, fresh.name)}
    counting.forget(petition.pk)
    assert counting.confirmed_count(petition.pk) == 2


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real contention needs PostgreSQL")
def test_forty_links_at_once_count_exactly_forty(site, petition):
    paths = [sign(petition, f"s{i}@example.com").get_confirm_path() for i in range(40)]
    outcomes = run_together(40, lambda i: follow(site, paths[i])[0])
    assert outcomes == ["200 OK"] * 40
    counting.forget(petition.pk)
    assert counting.confirmed_count(petition.pk) == 40 == Signature.objects.confirmed().count()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real contention needs PostgreSQL")
def test_one_link_followed_by_twenty_at_once_counts_once(site, petition):
    path = sign(petition).get_confirm_path()
    outcomes = run_together(20, lambda i: follow(site, path)[0][:3])
    assert sorted(outcomes) == ["200"] + ["409"] * 19
    counting.forget(petition.pk)
    assert counting.confirmed_count(petition.pk) == 1


def test_a_full_queue_is_answered_503(petition):
    class Full(ConfirmationWriter):
        def put(self, item):
            import queue

            raise queue.Full

    app = FastConfirm(Admission(WSGIHandler()), writer=Full(max_queue=1))
    status, headers, _ = follow(app, sign(petition).get_confirm_path())
    assert status.startswith("503") and headers["Retry-After"] == "1"


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="only PostgreSQL has the pool")
def test_the_fast_path_gives_its_database_connections_back(site, petition):
    import threading

    path = sign(petition).get_confirm_path()
    held = []

    def request():
        assert follow(site, path)[0] == "200 OK"
        held.append(connection.connection is not None)

    thread = threading.Thread(target=request)
    thread.start()
    thread.join(10)
    assert held == [False]


def test_if_the_page_cannot_be_made_ahead_django_makes_it_for_the_signer(site, petition):
    site.page = lambda environ, petition_id: None  # e.g. its render failed
    signature = sign(petition, "ann@example.com", name="Ann")
    status, _, body = follow(site, signature.get_confirm_path())
    assert status == "200 OK"
    assert b"Thank you, Ann" in body and signature.ref_code.encode() in body
    counting.forget(petition.pk)
    assert counting.confirmed_count(petition.pk) == 1


class Answers:
    """Django's answers (core.edge.DjangoAnswers), as ``respond`` makes them."""

    def __init__(self, respond):
        self.respond = respond

    def render(self, environ, view):
        return self.respond()


class Pages:
    def __init__(self, confirm):
        self.get = confirm.page


def test_while_one_thread_renders_the_page_anew_the_others_get_the_last_one():
    started, release, renders = threading.Event(), threading.Event(), []

    def slow_django():
        renders.append(1)
        if len(renders) > 1:
            started.set()
            release.wait(5)
        return "200 OK", [("Content-Type", "text/html")], f"page {len(renders)}".encode()

    # Always old: every call wants a render.
    pages = Pages(FastConfirm(None, writer=object(), answers=Answers(slow_django), page_seconds=0))
    assert pages.get({}, 1)[2] == b"page 1"
    renderer = threading.Thread(target=pages.get, args=({}, 1))
    renderer.start()
    assert started.wait(5)
    assert pages.get({}, 1)[2] == b"page 1"  # at once, not a second render
    release.set()
    renderer.join(5)
    assert len(renders) == 2 and pages.get({}, 1)[2] == b"page 3"


def test_the_first_page_is_made_once_while_the_others_wait_for_it():
    release, renders = threading.Event(), []

    def slow_django():
        renders.append(1)
        release.wait(5)
        return "200 OK", [("Content-Type", "text/html")], b"the page"

    pages = Pages(FastConfirm(None, writer=object(), answers=Answers(slow_django)))
    got, asking = [], threading.Semaphore(0)

    def ask():
        asking.release()
        got.append(pages.get({}, 1))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for _ in threads:
        assert asking.acquire(timeout=5)
    time.sleep(0.2)  # let them all reach the page (not a timing check: more time is fine)
    release.set()
    for thread in threads:
        thread.join(5)
    assert len(renders) == 1  # not eight renders through Django at once
    assert [page[2] for page in got] == [b"the page"] * 8
