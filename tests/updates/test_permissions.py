"""Only the organisation's members write, edit, publish, mail and manage updates."""

import pytest

from groundswell.petitions.models import Signature
from groundswell.updates import actions
from groundswell.updates.models import Mailing, Update, UpdateSettings
from tests.conftest import PASSWORD
from tests.updates.conftest import add_signers

UPDATE_PAGES = ["edit/", "preview/"]
UPDATE_POSTS = {
    "edit/": {"title": "Hijacked", "body": "x"},
    "test-send/": {},
    "publish/": {"when": "now", "email_signers": "on"},
    "withdraw/": {},
    "mail/": {},
}


@pytest.fixture
def as_charlie(client, charlie):
    client.login(username=charlie.email, password=PASSWORD)
    return client


@pytest.mark.parametrize("page", UPDATE_PAGES)
def test_an_outsider_cannot_open_an_update_for_editing(as_charlie, tested_update, page):
    assert as_charlie.get(f"/updates/{tested_update.pk}/{page}").status_code == 403


@pytest.mark.parametrize(("action", "data"), UPDATE_POSTS.items())
def test_an_outsider_cannot_change_publish_or_mail_an_update(
    as_charlie, petition, tested_update, action, data, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    add_signers(petition, 3)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_charlie.post(f"/updates/{tested_update.pk}/{action}", data)
    assert response.status_code == 403
    tested_update.refresh_from_db()
    assert tested_update.title != "Hijacked"
    assert tested_update.status == Update.Status.DRAFT
    assert not Mailing.objects.exists()
    assert not mailoutbox


@pytest.mark.parametrize("action", ["withdraw/", "mail/"])
def test_an_outsider_cannot_withdraw_or_mail_a_published_update(
    as_charlie, tested_update, action, mailoutbox
):
    actions.publish_update(update=tested_update)
    assert as_charlie.post(f"/updates/{tested_update.pk}/{action}").status_code == 403
    tested_update.refresh_from_db()
    assert tested_update.status == Update.Status.PUBLISHED
    assert not Mailing.objects.exists()


def test_an_outsider_cannot_write_an_update_or_change_milestone_settings(as_charlie, petition):
    url = f"/p/{petition.slug}/updates/new/"
    assert as_charlie.get(url).status_code == 403
    assert as_charlie.post(url, {"title": "Fake news", "body": "x"}).status_code == 403
    settings_url = f"/p/{petition.slug}/updates/settings/"
    assert as_charlie.post(settings_url, {"milestone_updates": "on"}).status_code == 403
    assert not Update.objects.exists()
    assert not UpdateSettings.objects.exists()


@pytest.mark.parametrize("page", ["new/", "manage/"])
def test_an_outsider_cannot_write_or_manage_press_releases(as_charlie, union, page):
    assert as_charlie.get(f"/o/{union.slug}/press/{page}").status_code == 403
    assert (
        as_charlie.post(f"/o/{union.slug}/press/new/", {"title": "x", "body": "y"}).status_code
        == 403
    )
    assert not Update.objects.exists()


def test_an_outsider_cannot_see_a_draft_press_release(as_charlie, union, press_release):
    assert as_charlie.get(f"/o/{union.slug}/press/{press_release.pk}/").status_code == 404
    assert as_charlie.get(f"/updates/{press_release.pk}/preview/").status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, petition, union, draft_update):
    for url in (
        f"/p/{petition.slug}/updates/new/",
        f"/o/{union.slug}/press/new/",
        f"/o/{union.slug}/press/manage/",
        f"/updates/{draft_update.pk}/preview/",
        f"/updates/{draft_update.pk}/edit/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert client.post(f"/updates/{draft_update.pk}/publish/", {"when": "now"}).status_code == 302
    draft_update.refresh_from_db()
    assert draft_update.status == Update.Status.DRAFT


def test_a_colleague_can_write_publish_and_mail(
    client, bob, petition, mailoutbox, django_capture_on_commit_callbacks
):
    add_signers(petition, 2)
    client.login(username=bob.email, password=PASSWORD)
    client.post(f"/p/{petition.slug}/updates/new/", {"title": "From Bob", "body": "Hi."})
    update = Update.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/updates/{update.pk}/test-send/")
        response = client.post(
            f"/updates/{update.pk}/publish/", {"when": "now", "email_signers": "on"}
        )
    assert response.status_code == 302
    assert mailoutbox[0].to == [bob.email]  # the test went to Bob himself
    assert len(mailoutbox) == 1 + 2
    assert Mailing.objects.get().requested_by == bob


def test_a_signer_cannot_use_their_unsubscribe_link_for_someone_else(client, petition):
    add_signers(petition, 2)
    ann, bea = Signature.objects.order_by("pk")
    from groundswell.updates.models import unsubscribe_token

    token = unsubscribe_token(ann)
    client.post(f"/unsubscribe/{token}/")
    ann.refresh_from_db()
    bea.refresh_from_db()
    assert (ann.wants_updates, bea.wants_updates) == (False, True)
