"""Staff powers are the "Moderators" group's permissions: everyone else is refused."""

import pytest
from django.core.management import call_command

from groundswell.accounts.models import User
from groundswell.core.errors import ActionError
from groundswell.moderation import actions
from groundswell.moderation.access import ALL_POWERS, is_moderator
from groundswell.moderation.models import Hiding, Invalidation, Kind
from groundswell.petitions import actions as petitions
from groundswell.petitions.models import Petition
from tests.conftest import PASSWORD, log_in_verified, sign_and_confirm


@pytest.fixture
def staff_things(petition, submitted, mo):
    """Something behind every staff page: a hidden item and an applied invalidation."""
    signature = sign_and_confirm(petition, "bot@spam.example", comment="Buy pills")
    hiding = actions.hide_item(
        kind=Kind.COMMENT, object_id=signature.pk, by=mo, reason="spam", note="Pills."
    )
    invalidation = Invalidation.objects.create(
        rule="email_domain",
        parameters={"domain": "spam.example"},
        description="email addresses at spam.example",
        note="bots",
        status=Invalidation.Status.APPLIED,
    )
    return {"petition": petition, "submitted": submitted, "hiding": hiding,
            "invalidation": invalidation, "signature": signature}  # fmt: skip


def staff_pages(things) -> list[str]:
    return [
        "/moderation/",
        "/moderation/review/",
        f"/moderation/review/{things['submitted'].slug}/",
        "/moderation/reports/",
        f"/moderation/hide/petition/{things['petition'].pk}/",
        "/moderation/hidden/",
        "/moderation/invalidations/",
        f"/moderation/invalidations/{things['invalidation'].pk}/",
        "/moderation/audit/",
    ]


def staff_posts(things) -> list[tuple[str, dict]]:
    petition = things["petition"]
    return [
        (f"/moderation/review/{things['submitted'].slug}/", {"decision": "approve"}),
        (f"/moderation/reports/petition/{petition.pk}/dismiss/", {"note": "fine"}),
        (f"/moderation/hide/petition/{petition.pk}/", {"reason": "spam", "note": "x"}),
        (f"/moderation/hidden/{things['hiding'].pk}/restore/", {"note": "x"}),
        (
            "/moderation/invalidations/",
            {
                "rule": "email_domain",
                "domain": "example.com",
                "note": "x",
                "previewed": "on",
                "really": "on",
            },
        ),
        (f"/moderation/invalidations/{things['invalidation'].pk}/", {"note": "undo"}),
    ]


def _nothing_changed(things) -> None:
    things["submitted"].refresh_from_db()
    things["petition"].refresh_from_db()
    things["hiding"].refresh_from_db()
    things["invalidation"].refresh_from_db()
    assert things["submitted"].status == Petition.Status.IN_REVIEW
    assert things["petition"].status == Petition.Status.OPEN
    assert things["hiding"].restored_at is None
    assert things["invalidation"].status == Invalidation.Status.APPLIED
    assert Invalidation.objects.count() == 1


@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "staffer"])
def test_organisers_outsiders_and_plain_staff_are_refused_every_staff_page_and_action(
    client, staff_things, request, who
):
    person = request.getfixturevalue(who)
    client.login(username=person.email, password=PASSWORD)
    for path in staff_pages(staff_things):
        assert client.get(path).status_code == 403, path
    for path, data in staff_posts(staff_things):
        assert client.post(path, data).status_code == 403, path
    _nothing_changed(staff_things)


def test_visitors_without_an_account_are_sent_to_log_in_from_every_staff_page(client, staff_things):
    for path in staff_pages(staff_things):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], path
    for path, data in staff_posts(staff_things):
        assert client.post(path, data).status_code == 302, path
    _nothing_changed(staff_things)


def test_a_moderator_reaches_every_staff_page(client, mo, staff_things):
    log_in_verified(client, mo)
    for path in staff_pages(staff_things):
        assert client.get(path).status_code == 200, path


def test_each_power_is_its_own_permission(client, staff_things, staffer):
    from django.contrib.auth.models import Permission

    staffer.user_permissions.add(
        Permission.objects.get(content_type__app_label="moderation", codename="view_audit_log")
    )
    staffer = User.objects.get(pk=staffer.pk)  # a fresh permission cache
    log_in_verified(client, staffer)
    assert client.get("/moderation/audit/").status_code == 200
    assert client.get("/moderation/").status_code == 200
    assert client.get("/moderation/review/").status_code == 403
    assert client.get("/moderation/invalidations/").status_code == 403


def test_the_actions_refuse_an_organiser_too(alice, submitted):
    with pytest.raises(ActionError) as refused:
        petitions.approve_petition(petition=submitted, reviewer=alice)
    assert refused.value.status == 403
    with pytest.raises(ActionError):
        petitions.reject_petition(petition=submitted, reviewer=alice, reason="spam", note="x")
    submitted.refresh_from_db()
    assert submitted.status == Petition.Status.IN_REVIEW


def test_is_staff_alone_is_no_moderator_but_the_group_is(staffer, mo):
    assert not is_moderator(staffer)
    assert is_moderator(mo)
    assert all(mo.has_perm(power) for power in ALL_POWERS)


def test_a_moderators_dashboard_link_leads_to_the_staff_home(client, mo):
    log_in_verified(client, mo)
    response = client.get("/accounts/", follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/moderation/"
    assert "You do not belong to an organisation yet" not in page
    assert "Review queue" in page and "Audit log" in page
    assert 'href="/moderation/"' in page  # the header's link


def test_organisers_see_no_moderation_link(client, alice):
    client.login(username=alice.email, password=PASSWORD)
    assert 'href="/moderation/"' not in client.get("/accounts/").content.decode()


def test_the_demo_moderator_is_a_moderator(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert is_moderator(User.objects.get(email="moderator@example.org"))
    assert not is_moderator(User.objects.get(email="organiser@example.org"))


def test_granting_and_revoking_powers_is_audited(charlie):
    from groundswell.moderation.models import AuditEntry

    call_command("moderators", "grant", charlie.email, reason="New volunteer moderator")
    assert is_moderator(User.objects.get(pk=charlie.pk))
    call_command("moderators", "revoke", charlie.email, reason="Left the team")
    assert not is_moderator(User.objects.get(pk=charlie.pk))
    assert list(AuditEntry.objects.order_by("pk").values_list("action", "reason")) == [
        ("moderator.granted", "New volunteer moderator"),
        ("moderator.revoked", "Left the team"),
    ]


def test_hidden_items_stay_hidden_when_refused(client, charlie, staff_things):
    client.login(username=charlie.email, password=PASSWORD)
    client.post(f"/moderation/hidden/{staff_things['hiding'].pk}/restore/")
    assert Hiding.objects.get().restored_at is None
