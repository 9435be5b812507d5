"""TOTP two-factor login with ten recovery codes: required for staff and for anyone who can
export signers or coordinate help, optional for everyone else; the admin sits behind it."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from groundswell.petitions.models import Petition
from tests.conftest import PASSWORD, log_in_verified, make_user
from tests.support.conftest import totp_code


def _password(client, user, next_url=""):
    data = {"username": user.email, "password": PASSWORD}
    return client.post("/accounts/login/" + (f"?next={next_url}" if next_url else ""), data)


def _set_up(client, user) -> list[str]:
    page = client.get("/accounts/two-factor/").content.decode()
    assert 'src="data:image/svg+xml' in page and "data-totp-secret" in page
    response = client.post("/accounts/two-factor/", {"code": totp_code(user)})
    assert response.status_code == 200
    return re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())


def _pages_needing_two_factor(petition, draft, mo):
    draft.status = Petition.Status.IN_REVIEW
    draft.save()
    return [
        ("alice", f"/p/{petition.slug}/signatures.csv"),
        ("mo", "/moderation/review/"),
        ("mo", f"/moderation/review/{draft.slug}/"),
        ("mo", "/admin/"),
        ("mo", "/admin/accounts/user/"),
        ("mo", f"/admin/accounts/user/{mo.pk}/change/"),
    ]


@pytest.mark.parametrize("index", range(6))
def test_each_page_with_signers_or_staff_powers_is_refused_without_a_second_factor(
    index, request, client, petition, draft, mo
):
    who, url = _pages_needing_two_factor(petition, draft, mo)[index]
    user = request.getfixturevalue(who)
    if url.startswith("/admin/accounts/"):
        user.is_superuser = True  # the pages behind the index need model permissions
        user.save(update_fields=["is_superuser"])
    client.login(username=user.email, password=PASSWORD)
    assert _sent_to_two_factor(client, url, "Set up two-factor login")
    # ... even when they have an authenticator, until this session has used it
    TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=True)
    assert _sent_to_two_factor(client, url, "needs your second factor")
    assert log_in_verified(Client(), user).get(url).status_code == 200


def _sent_to_two_factor(client, url, page_says: str) -> bool:
    response = client.get(url, follow=True)
    return (
        response.redirect_chain[-1][0].startswith("/accounts/two-factor/?next=")
        and page_says in response.content.decode()
    )


def test_an_organiser_without_two_factor_is_asked_to_set_it_up_at_login(client, alice, petition):
    response = _password(client, alice)
    assert response["Location"] == "/accounts/two-factor/?next=%2Faccounts%2F"
    assert client.get(f"/p/{petition.slug}/signatures.csv").status_code == 302

    codes = _set_up(client, alice)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(f"/p/{petition.slug}/signatures.csv").status_code == 200


def test_a_wrong_first_code_does_not_turn_two_factor_on(client, alice):
    _password(client, alice)
    client.get("/accounts/two-factor/")
    assert client.post("/accounts/two-factor/", {"code": "000000"}).status_code == 422
    assert not TOTPDevice.objects.filter(user=alice, confirmed=True).exists()
    assert not StaticToken.objects.exists()


def test_with_two_factor_the_password_alone_logs_nobody_in(client, alice, petition):
    _password(client, alice)
    _set_up(client, alice)
    client.logout()

    response = _password(Client(), alice)
    assert response["Location"] == "/accounts/login/code/"
    fresh = Client()
    _password(fresh, alice, next_url=f"/p/{petition.slug}/signatures.csv")
    assert SESSION_KEY not in fresh.session
    assert fresh.get("/accounts/").status_code == 302
    assert fresh.post("/accounts/login/code/", {"code": "000000"}).status_code == 422
    assert SESSION_KEY not in fresh.session
    # django-otp makes the next try after a wrong code wait a moment; that moment passes.
    TOTPDevice.objects.filter(user=alice).update(throttling_failure_count=0)
    response = fresh.post("/accounts/login/code/", {"code": totp_code(alice)})
    assert response["Location"] == f"/p/{petition.slug}/signatures.csv"
    assert fresh.get(response["Location"]).status_code == 200


def test_a_recovery_code_logs_in_once(client, alice, petition):
    _password(client, alice)
    code = _set_up(client, alice)[3]

    first = Client()
    _password(first, alice)
    response = first.post("/accounts/login/code/", {"code": code.upper()})
    assert response.status_code == 302
    assert first.get(f"/p/{petition.slug}/signatures.csv").status_code == 200
    assert StaticToken.objects.count() == 9

    second = Client()
    _password(second, alice)
    assert second.post("/accounts/login/code/", {"code": code}).status_code == 422
    assert SESSION_KEY not in second.session


def test_guessing_codes_is_throttled_like_passwords(client, alice, settings):
    settings.GROUNDSWELL = {**settings.GROUNDSWELL, "LOGIN_SLOW_AFTER": 100}
    TOTPDevice.objects.create(user=alice, name="Authenticator", confirmed=True)
    _password(client, alice)
    for n in range(10):
        client.post("/accounts/login/code/", {"code": f"{n:06d}"})
    response = client.post("/accounts/login/code/", {"code": totp_code(alice)})
    assert "locked" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_two_factor_is_optional_for_someone_who_cannot_export_or_coordinate(client, db):
    volunteer = make_user("val@example.org", "Val Volunteer")
    response = _password(client, volunteer)
    assert response["Location"] == "/accounts/"
    assert len(_set_up(client, volunteer)) == 10
    client.logout()
    assert _password(Client(), volunteer)["Location"] == "/accounts/login/code/"


def test_the_admin_login_form_is_no_way_around_the_throttle_or_the_second_factor(client, mo):
    for n in range(20):
        client.post("/admin/login/", {"username": mo.email, "password": f"guess {n}"})
    response = client.post("/admin/login/", {"username": mo.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert SESSION_KEY not in client.session
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_staff_reach_the_admin_after_the_sites_login_and_a_code(client, mo):
    TOTPDevice.objects.create(user=mo, name="Authenticator", confirmed=True)
    response = _password(client, mo, next_url="/admin/")
    assert response["Location"] == "/accounts/login/code/"
    response = client.post("/accounts/login/code/", {"code": totp_code(mo)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_member_who_is_not_staff_is_refused_by_the_admin(client, alice):
    log_in_verified(client, alice)
    assert client.get("/admin/").status_code in (302, 403)
    assert client.get("/admin/login/").status_code == 403


def test_the_demo_logins_work_with_the_published_key(client, db, settings, capsys):
    from django.core.management import call_command

    call_command("seed_demo")
    assert "M5ZG65LOMRZXOZLMNQWWIZLNN4WW65DQ" in capsys.readouterr().out
    settings.DEBUG = True
    call_command("demo_code")
    code = capsys.readouterr().out.strip()
    settings.DEBUG = False  # the pages' templates link /dev/ only when the URLs had it

    data = {"username": "moderator@example.org", "password": "groundswell-demo"}
    assert client.post("/accounts/login/?next=/moderation/review/", data)["Location"] == (
        "/accounts/login/code/"
    )
    assert client.post("/accounts/login/code/", {"code": code})["Location"] == "/moderation/review/"
    assert client.get("/moderation/review/").status_code == 200


def test_the_demo_code_command_refuses_outside_debug(settings):
    from django.core.management import CommandError, call_command

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_code")


def test_only_someone_for_whom_it_is_optional_can_turn_two_factor_off(client, alice, db):
    volunteer = make_user("val@example.org", "Val Volunteer")
    log_in_verified(client, volunteer)
    client.post("/accounts/security/two-factor/off/")
    assert not TOTPDevice.objects.filter(user=volunteer).exists()

    organiser = log_in_verified(Client(), alice)
    response = organiser.post("/accounts/security/two-factor/off/", follow=True)
    assert "needs two-factor login" in response.content.decode()
    assert TOTPDevice.objects.filter(user=alice).exists()


def test_new_recovery_codes_replace_the_old_ones(client, alice):
    log_in_verified(client, alice)
    response = client.post("/accounts/security/recovery-codes/")
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())
    assert len(codes) == 10
    again = client.post("/accounts/security/recovery-codes/").content.decode()
    assert not set(codes) & set(re.findall(r"<li><code>([a-z2-7]+)</code></li>", again))
    assert StaticToken.objects.count() == 10
