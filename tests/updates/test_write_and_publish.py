"""Organisers write updates and press releases, preview them, publish now or on schedule."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from groundswell.core.errors import ActionError
from groundswell.updates import actions
from groundswell.updates.models import Update
from groundswell.updates.tasks import publish_due_updates
from tests.conftest import PASSWORD


def test_an_organiser_writes_a_draft_update_and_it_is_sanitised(client, alice, petition):
    client.login(username=alice.email, password=PASSWORD)
    assert client.get(f"/p/{petition.slug}/updates/new/").status_code == 200
    response = client.post(
        f"/p/{petition.slug}/updates/new/",
        {"title": "  Six weeks   and no answer ", "body": "**Still waiting.**<script>x()</script>"},
    )
    update = Update.objects.get()
    assert response["Location"] == f"/updates/{update.pk}/preview/"
    assert update.title == "Six weeks and no answer"
    assert update.status == Update.Status.DRAFT
    assert update.author == alice
    assert "<strong>Still waiting.</strong>" in update.body_html
    assert "<script>" not in update.body_html


def test_a_draft_is_not_on_the_petition_page_until_published(client, alice, petition, draft_update):
    assert draft_update.title not in client.get(f"/p/{petition.slug}/").content.decode()
    client.login(username=alice.email, password=PASSWORD)
    response = client.post(f"/updates/{draft_update.pk}/publish/", {"when": "now"})
    assert response.status_code == 302
    client.logout()
    page = client.get(f"/p/{petition.slug}/").content.decode()
    assert draft_update.title in page
    assert "<strong>within 14 days</strong>" in page
    assert f"/p/{petition.slug}/feed/" in page
    detail = client.get(f"/p/{petition.slug}/updates/{draft_update.pk}/")
    assert detail.status_code == 200
    assert draft_update.title in detail.content.decode()


def test_a_draft_update_is_hidden_from_the_public(client, petition, draft_update):
    assert client.get(f"/p/{petition.slug}/updates/{draft_update.pk}/").status_code == 404
    assert draft_update.title not in client.get(f"/p/{petition.slug}/updates/").content.decode()


def test_an_update_is_found_only_under_its_own_petition(
    client, petition, draft_update, union, alice, mo
):
    from tests.conftest import open_petition

    actions.publish_update(update=draft_update)
    other = open_petition(union, alice, mo, title="Other")
    assert client.get(f"/p/{other.slug}/updates/{draft_update.pk}/").status_code == 404


def test_a_busy_petition_page_reads_updates_from_the_cache(
    client, petition, draft_update, django_assert_max_num_queries
):
    actions.publish_update(update=draft_update)
    # Time stands still, so that a slow first request on a busy machine cannot outlive the
    # caches' few seconds before the second one asks.
    with time_machine.travel(timezone.now(), tick=False):
        client.get(f"/p/{petition.slug}/")
        with django_assert_max_num_queries(2):  # the petition and its targets, as before
            response = client.get(f"/p/{petition.slug}/")
    assert draft_update.title in response.content.decode()


def test_editing_changes_the_words_and_asks_for_a_new_test(client, alice, tested_update):
    assert not tested_update.needs_test_send
    client.login(username=alice.email, password=PASSWORD)
    assert client.get(f"/updates/{tested_update.pk}/edit/").status_code == 200
    client.post(f"/updates/{tested_update.pk}/edit/", {"title": "New title", "body": "New *words*"})
    tested_update.refresh_from_db()
    assert tested_update.title == "New title"
    assert tested_update.body_html == "<p>New <em>words</em></p>\n"
    assert tested_update.needs_test_send


def test_a_blank_update_is_refused_with_the_errors_in_place(client, alice, petition):
    client.login(username=alice.email, password=PASSWORD)
    response = client.post(f"/p/{petition.slug}/updates/new/", {"title": "   ", "body": ""})
    assert response.status_code == 422
    assert response.content.decode().count("This field is required") == 2
    assert not Update.objects.exists()


def test_the_preview_shows_the_email_and_who_gets_it(client, alice, petition, draft_update):
    from tests.updates.conftest import add_signers

    add_signers(petition, 3)
    add_signers(petition, 2, wants_updates=False, prefix="quiet")
    client.login(username=alice.email, password=PASSWORD)
    body = client.get(f"/updates/{draft_update.pk}/preview/").content.decode()
    assert "To <strong>3</strong> confirmed signers" in body
    assert f"{draft_update.title} · {petition.title}" in body  # the subject
    assert "Stop these emails with one click" in body
    assert "Send a test to me (alice@example.org)" in body


def test_scheduled_updates_are_published_when_their_time_comes(client, alice, draft_update):
    client.login(username=alice.email, password=PASSWORD)
    when = timezone.now() + timedelta(hours=2)
    response = client.post(
        f"/updates/{draft_update.pk}/publish/",
        {"when": "later", "publish_at": timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    draft_update.refresh_from_db()
    assert draft_update.status == Update.Status.SCHEDULED

    publish_due_updates.enqueue()
    draft_update.refresh_from_db()
    assert draft_update.status == Update.Status.SCHEDULED

    with time_machine.travel(when + timedelta(minutes=1)):
        publish_due_updates.enqueue()
        draft_update.refresh_from_db()
        assert draft_update.status == Update.Status.PUBLISHED
        assert draft_update.published_at >= when
        assert actions.publish_due_updates() == 0  # a second run finds nothing to do


def test_scheduling_in_the_past_is_refused(client, alice, draft_update):
    client.login(username=alice.email, password=PASSWORD)
    response = client.post(
        f"/updates/{draft_update.pk}/publish/", {"when": "later", "publish_at": "2001-01-01T10:00"}
    )
    assert response.status_code == 422
    assert "Choose a time in the future" in response.content.decode()
    draft_update.refresh_from_db()
    assert draft_update.status == Update.Status.DRAFT


def test_withdrawing_takes_an_update_off_the_page(client, alice, petition, draft_update):
    actions.publish_update(update=draft_update)
    client.login(username=alice.email, password=PASSWORD)
    client.post(f"/updates/{draft_update.pk}/withdraw/")
    draft_update.refresh_from_db()
    assert draft_update.status == Update.Status.DRAFT
    client.logout()
    assert draft_update.title not in client.get(f"/p/{petition.slug}/").content.decode()


def test_publishing_twice_is_refused(petition, draft_update):
    actions.publish_update(update=draft_update)
    try:
        actions.publish_update(update=draft_update)
    except ActionError as error:
        assert error.status == 409
    else:
        raise AssertionError("published twice")


def test_updates_wait_until_the_petition_is_public(alice, draft):
    update = actions.write_update(petition=draft, author=alice, title="Soon", body="Soon.")
    try:
        actions.publish_update(update=update)
    except ActionError as error:
        assert "not public yet" in error.message
    else:
        raise AssertionError("published on a draft petition")


def test_a_press_release_is_written_published_and_listed_on_the_press_page(
    client, alice, union, petition
):
    client.login(username=alice.email, password=PASSWORD)
    client.post(
        f"/o/{union.slug}/press/new/",
        {"title": "Union delivers 75,000 signatures", "body": "For immediate release."},
    )
    release = Update.objects.get()
    assert release.kind == Update.Kind.PRESS_RELEASE and release.petition is None
    manage = client.get(f"/o/{union.slug}/press/manage/").content.decode()
    assert release.title in manage
    client.logout()
    assert release.title not in client.get(f"/o/{union.slug}/press/").content.decode()

    actions.publish_update(update=release)
    page = client.get(f"/o/{union.slug}/press/").content.decode()
    assert release.title in page
    assert f'href="/o/{union.slug}/feed/"' in page
    detail = client.get(f"/o/{union.slug}/press/{release.pk}/")
    assert detail.status_code == 200
    assert "For immediate release." in detail.content.decode()
    # a press release is not a petition's update
    assert client.get(f"/p/{petition.slug}/updates/{release.pk}/").status_code == 404


def test_an_imported_post_is_not_edited_here(client, alice, union, tmp_path):
    from tests.updates.test_import_wordpress import post, run_import, write

    run_import(write(tmp_path, [post(1)]), union)
    imported = Update.objects.get()
    client.login(username=alice.email, password=PASSWORD)
    response = client.post(f"/updates/{imported.pk}/edit/", {"title": "Changed", "body": "x"})
    assert response.status_code == 302
    imported.refresh_from_db()
    assert imported.title != "Changed"
