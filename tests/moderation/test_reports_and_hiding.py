"""Anyone reports a petition, an update or a comment; staff dismiss or hide, and undo."""

import pytest

from groundswell.moderation import actions
from groundswell.moderation.models import Hiding, Report
from groundswell.petitions.models import Petition
from groundswell.updates import actions as updates
from groundswell.updates.models import Update
from tests.conftest import log_in_verified, sign_and_confirm


@pytest.fixture
def comment(petition):
    return sign_and_confirm(petition, "troll@example.net", comment="Buy cheap pills here")


@pytest.fixture
def update(petition, alice):
    update = updates.write_update(petition=petition, author=alice, title="News", body="Words")
    return updates.publish_update(update=update)


def _report(client, kind, pk, why="spam", **extra):
    return client.post(f"/report/{kind}/{pk}/", {"why": why, "details": "Look"}, **extra)


def test_anyone_reports_a_petition_an_update_or_a_comment_without_an_account(
    client, petition, update, comment
):
    page = client.get(f"/p/{petition.slug}/").content.decode()
    assert f"/report/petition/{petition.pk}/" in page
    assert f"/report/comment/{comment.pk}/" in page
    assert client.get(f"/report/update/{update.pk}/").status_code == 200
    for kind, pk in (("petition", petition.pk), ("update", update.pk), ("comment", comment.pk)):
        response = _report(client, kind, pk)
        assert response.status_code == 302 and response["Location"] == f"/p/{petition.slug}/"
    assert sorted(Report.objects.values_list("kind", flat=True)) == [
        "comment",
        "petition",
        "update",
    ]


def test_a_report_needs_a_reason_from_the_list(client, petition):
    response = _report(client, "petition", petition.pk, why="i don't like it")
    assert response.status_code == 422
    assert "Choose one of the reasons in the list." in response.content.decode()
    assert not Report.objects.exists()


def test_what_is_not_public_cannot_be_reported(client, draft):
    assert client.get(f"/report/petition/{draft.pk}/").status_code == 404
    assert client.get("/report/nonsense/1/").status_code == 404


def test_report_floods_are_limited_per_address(client, petition, comment):
    for _ in range(10):
        assert _report(client, "petition", petition.pk).status_code == 302
    response = _report(client, "comment", comment.pk)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert Report.objects.count() == 10


def test_report_floods_are_limited_per_item_from_many_addresses(client, petition):
    for n in range(30):
        assert (
            _report(client, "petition", petition.pk, REMOTE_ADDR=f"10.0.{n}.1").status_code == 302
        )
    assert _report(client, "petition", petition.pk, REMOTE_ADDR="10.9.9.9").status_code == 429
    assert Report.objects.count() == 30


def test_the_report_queue_groups_reports_per_item(client, mo, petition, comment):
    for n in range(3):
        _report(client, "comment", comment.pk, REMOTE_ADDR=f"10.1.{n}.1")
    _report(client, "petition", petition.pk, why="misleading")
    log_in_verified(client, mo)
    page = client.get("/moderation/reports/").content.decode()
    assert page.count('<article class="card">') == 2
    assert "3 reports" in page and "Buy cheap pills here" in page


def test_staff_dismiss_reports(client, mo, petition):
    _report(client, "petition", petition.pk)
    log_in_verified(client, mo)
    client.post(f"/moderation/reports/petition/{petition.pk}/dismiss/", {"note": "Fine."})
    assert Report.objects.get().status == Report.Status.DISMISSED
    assert "No reports waiting." in client.get("/moderation/reports/").content.decode()
    petition.refresh_from_db()
    assert petition.status == Petition.Status.OPEN


def test_a_hidden_petition_says_so_and_why_and_can_be_shown_again(client, mo, petition):
    sign_and_confirm(petition)
    _report(client, "petition", petition.pk)
    log_in_verified(client, mo)
    response = client.post(
        f"/moderation/hide/petition/{petition.pk}/", {"reason": "spam", "note": "Ad for pills"}
    )
    assert response.status_code == 302
    assert Report.objects.get().status == Report.Status.ACTED_ON
    client.logout()
    response = client.get(f"/p/{petition.slug}/")
    page = response.content.decode()
    assert response.status_code == 410
    assert "removed by moderators" in page and "Spam or advertising" in page
    assert petition.demand not in page and "Ad for pills" not in page
    assert client.post(f"/p/{petition.slug}/sign/", {}).status_code == 404
    log_in_verified(client, mo)
    client.post(f"/moderation/hidden/{Hiding.objects.get().pk}/restore/", {"note": "ok"})
    petition.refresh_from_db()
    assert petition.status == Petition.Status.OPEN and petition.signature_count == 1
    client.logout()
    assert petition.demand in client.get(f"/p/{petition.slug}/").content.decode()


def test_a_closed_petition_goes_back_to_closed_when_shown_again(mo, petition):
    from groundswell.petitions.actions import close_petition

    close_petition(petition=petition)
    hiding = actions.hide_item(
        kind="petition", object_id=petition.pk, by=mo, reason="duplicate", note="Twice"
    )
    actions.restore_item(hiding=hiding, by=mo)
    petition.refresh_from_db()
    assert petition.status == Petition.Status.CLOSED


def test_comments_are_hidden_one_by_one_and_the_signature_still_counts(client, mo, petition):
    keep = sign_and_confirm(petition, "kind@example.com", comment="Drivers deserve this")
    spam = sign_and_confirm(petition, "troll@example.net", comment="Buy cheap pills here")
    log_in_verified(client, mo)
    client.post(f"/moderation/hide/comment/{spam.pk}/", {"reason": "spam", "note": "Pills"})
    client.logout()
    page = client.get(f"/p/{petition.slug}/").content.decode()
    assert "Buy cheap pills here" not in page and keep.comment in page
    petition.refresh_from_db()
    assert petition.signature_count == 2
    actions.restore_item(hiding=Hiding.objects.get(), by=mo)
    from django.core.cache import caches

    caches["local"].clear()  # the page's comments are kept for a few seconds
    assert "Buy cheap pills here" in client.get(f"/p/{petition.slug}/").content.decode()


def test_a_hidden_update_leaves_the_site_and_comes_back(client, mo, petition, update):
    log_in_verified(client, mo)
    client.post(f"/moderation/hide/update/{update.pk}/", {"reason": "offensive", "note": "x"})
    update.refresh_from_db()
    assert update.status == Update.Status.HIDDEN
    client.logout()
    assert client.get(f"/p/{petition.slug}/updates/{update.pk}/").status_code == 404
    actions.restore_item(hiding=Hiding.objects.get(), by=mo)
    update.refresh_from_db()
    assert update.status == Update.Status.PUBLISHED


def test_hiding_needs_a_reason_from_the_list_and_a_note(client, mo, petition):
    log_in_verified(client, mo)
    response = client.post(f"/moderation/hide/petition/{petition.pk}/", {"reason": "meh"})
    page = response.content.decode()
    assert response.status_code == 422
    assert "Choose one of the reasons in the list." in page
    assert "Write a note: say why this is hidden." in page
    petition.refresh_from_db()
    assert petition.status == Petition.Status.OPEN


def test_hiding_twice_and_showing_twice_are_refused(mo, petition):
    from groundswell.core.errors import ActionError

    hiding = actions.hide_item(kind="petition", object_id=petition.pk, by=mo, reason="spam",
                               note="x")  # fmt: skip
    with pytest.raises(ActionError):
        actions.hide_item(kind="petition", object_id=petition.pk, by=mo, reason="spam", note="x")
    actions.restore_item(hiding=hiding, by=mo)
    with pytest.raises(ActionError):
        actions.restore_item(hiding=hiding, by=mo)


def test_the_report_queue_reads_a_fixed_number_of_queries(
    client, mo, petition, update, comment, django_assert_max_num_queries
):
    _report(client, "petition", petition.pk)
    log_in_verified(client, mo)
    client.get("/moderation/reports/")
    for n in range(5):
        other = sign_and_confirm(petition, f"t{n}@example.net", comment=f"Spam {n}")
        _report(client, "comment", other.pk, REMOTE_ADDR=f"10.2.{n}.1")
    _report(client, "update", update.pk, REMOTE_ADDR="10.3.0.1")
    # session, user, its second-factor device, permissions (2), groups, reports, labels (3):
    # not one per item
    with django_assert_max_num_queries(11):
        page = client.get("/moderation/reports/").content.decode()
    assert page.count('<article class="card">') == 7 and "Spam 4" in page
