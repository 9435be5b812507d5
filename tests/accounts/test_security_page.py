"""An account's security page: change email (confirmed by the new address, the old one
told), change password (with the current one), and every logged-in browser, each of which
can be logged out."""

from django.contrib.auth import SESSION_KEY
from django.test import Client

from groundswell.accounts.models import AccountSession, User
from tests.conftest import PASSWORD, link_in, make_user

NEW_PASSWORD = "a brand new passphrase"
PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 Chrome/130.0 Mobile"
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def _browser(user, agent=LAPTOP, ip="192.0.2.1") -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert client.session[SESSION_KEY] == str(user.pk)
    return client


def test_the_page_lists_each_logged_in_browser_and_one_can_be_logged_out(db):
    val = make_user("val@example.org", "Val Volunteer")
    phone, laptop = _browser(val, PHONE, "198.51.100.4"), _browser(val, LAPTOP)
    page = laptop.get("/accounts/security/").content.decode()
    assert "Chrome on Android" in page and "Firefox on Linux" in page
    assert "198.51.100.4" in page and page.count("data-session") == 2

    phone_session = AccountSession.objects.get(user=val, user_agent=PHONE)
    response = laptop.post(f"/accounts/security/sessions/{phone_session.pk}/end/")
    assert response["Location"] == "/accounts/security/"
    assert phone.get("/accounts/security/")["Location"].startswith("/accounts/login/")
    assert laptop.get("/accounts/security/").status_code == 200
    assert AccountSession.objects.filter(user=val).count() == 1


def test_nobody_can_log_out_someone_elses_browser(db, charlie):
    val = make_user("val@example.org", "Val Volunteer")
    phone = _browser(val, PHONE)
    theirs = AccountSession.objects.get(user=val)
    outsider = _browser(charlie)
    outsider.post(f"/accounts/security/sessions/{theirs.pk}/end/")
    assert phone.get("/accounts/security/").status_code == 200


def test_changing_the_password_needs_the_current_one_and_ends_every_other_session(db):
    val = make_user("val@example.org", "Val Volunteer")
    phone, laptop = _browser(val, PHONE), _browser(val, LAPTOP)
    wrong = laptop.post(
        "/accounts/security/password/",
        {"old_password": "not it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 422
    assert phone.get("/accounts/security/").status_code == 200

    response = laptop.post(
        "/accounts/security/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == "/accounts/security/"
    assert laptop.get("/accounts/security/").status_code == 200
    assert phone.get("/accounts/security/")["Location"].startswith("/accounts/login/")
    assert User.objects.get(pk=val.pk).check_password(NEW_PASSWORD)
    assert AccountSession.objects.filter(user=val).count() == 1


def test_a_new_email_address_is_confirmed_by_a_link_to_it_and_the_old_one_is_told(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    val = make_user("val@example.org", "Val Volunteer")
    laptop = _browser(val)
    with django_capture_on_commit_callbacks(execute=True):
        response = laptop.post(
            "/accounts/security/email/", {"new_email": "Val@New.example", "password": PASSWORD}
        )
    assert response["Location"] == "/accounts/security/"
    [confirm] = mailoutbox
    assert confirm.to == ["val@new.example"]
    assert User.objects.get(pk=val.pk).email == "val@example.org"  # not until confirmed

    link = link_in(confirm.body, "/accounts/security/email/")
    with django_capture_on_commit_callbacks(execute=True):
        assert laptop.get(link)["Location"] == "/accounts/security/"
    assert User.objects.get(pk=val.pk).email == "val@new.example"
    notice = mailoutbox[-1]
    assert notice.to == ["val@example.org"] and "val@new.example" in notice.body

    again = Client().get(link)
    assert again.status_code == 410 and "already been used" in again.content.decode()
    tampered = Client().get(link[:-6] + "abcde/")
    assert tampered.status_code == 410 and "not valid" in tampered.content.decode()
    assert User.objects.get(pk=val.pk).email == "val@new.example"


def test_an_email_change_needs_the_password_and_never_takes_another_accounts_address(
    db, alice, mailoutbox, django_capture_on_commit_callbacks
):
    val = make_user("val@example.org", "Val Volunteer")
    laptop = _browser(val)
    wrong = laptop.post(
        "/accounts/security/email/", {"new_email": "x@example.org", "password": "no"}
    )
    assert wrong.status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        laptop.post("/accounts/security/email/", {"new_email": alice.email, "password": PASSWORD})
    [message] = mailoutbox
    assert message.to == [alice.email] and "/accounts/security/email/" not in message.body
    assert User.objects.get(pk=val.pk).email == "val@example.org"


def test_logging_out_forgets_the_browser(db):
    val = make_user("val@example.org", "Val Volunteer")
    laptop = _browser(val)
    laptop.get("/accounts/security/")
    assert AccountSession.objects.filter(user=val).count() == 1
    laptop.post("/accounts/logout/")
    assert not AccountSession.objects.filter(user=val).exists()


def test_an_expired_email_change_or_unlock_link_says_so_and_changes_nothing(db):
    import time_machine

    val = make_user("val@example.org", "Val Volunteer")
    with time_machine.travel("2026-03-01 09:00", tick=False) as clock:
        change = f"/accounts/security/email/{val.email_change_token('v@new.example')}/"
        unlock = f"/accounts/unlock/{val.unlock_token(0)}/"
        clock.shift(24 * 3600 + 1)
        for link in (change, unlock):
            response = Client().get(link)
            assert response.status_code == 410 and "expired" in response.content.decode()
    assert User.objects.get(pk=val.pk).email == "val@example.org"
