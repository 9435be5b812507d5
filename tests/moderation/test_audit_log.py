"""Every action that changes what the public sees or what data leaves the site is recorded:
who, what, when, from which network (never the address), and why; append-only; kept for
AUDIT_RETENTION_DAYS."""

from datetime import timedelta

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from groundswell.accounts.actions import accept_invitation, invite_member
from groundswell.moderation import actions
from groundswell.moderation.models import AuditEntry
from groundswell.support import actions as support
from tests.conftest import log_in_verified, make_user, sign_and_confirm
from tests.support.conftest import start_programme


def _actions():
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


def test_approving_records_who_when_from_which_network_and_why(client, mo, submitted):
    log_in_verified(client, mo)
    client.post(
        f"/moderation/review/{submitted.slug}/", {"decision": "approve"}, REMOTE_ADDR="203.0.113.77"
    )
    entry = AuditEntry.objects.get()
    assert entry.action == "petition.approved"
    assert entry.actor == mo and entry.actor_label == mo.email
    assert entry.network == "203.0.113.0/24"  # the /24, never the address
    assert "203.0.113.77" not in str(AuditEntry.objects.values().get())
    assert entry.petition == submitted and submitted.title in entry.subject
    assert timezone.now() - entry.created_at < timedelta(minutes=1)


def test_an_ipv6_network_is_kept_to_its_48(client, mo, submitted):
    log_in_verified(client, mo)
    client.post(
        f"/moderation/review/{submitted.slug}/",
        {"decision": "reject", "reason": "duplicate", "note": "See the other one."},
        REMOTE_ADDR="2001:db8:abcd:12::5",
    )
    entry = AuditEntry.objects.get()
    assert entry.action == "petition.rejected"
    assert entry.network == "2001:db8:abcd::/48"
    assert entry.reason == "Duplicate of another petition: See the other one."


def test_exporting_signers_is_recorded(client, alice, petition):
    sign_and_confirm(petition)
    log_in_verified(client, alice)
    response = client.get(f"/p/{petition.slug}/signatures.csv", REMOTE_ADDR="198.51.100.9")
    b"".join(response.streaming_content)
    entry = AuditEntry.objects.get(action="signers.exported")
    assert entry.actor == alice and entry.network == "198.51.100.0/24"


def test_hiding_and_showing_again_are_recorded(mo, petition):
    hiding = actions.hide_item(
        kind="petition", object_id=petition.pk, by=mo, reason="offensive", note="Slurs."
    )
    actions.restore_item(hiding=hiding, by=mo, note="Edited by the organiser.")
    assert _actions()[-2:] == ["item.hidden", "item.restored"]
    assert AuditEntry.objects.get(action="item.hidden").reason == "Offensive or abusive: Slurs."


def test_role_changes_are_recorded(alice, union):
    invitation = invite_member(organisation=union, email="dee@example.org", role="owner",
                               invited_by=alice)  # fmt: skip
    dee = make_user("dee@example.org", "Dee")
    accept_invitation(token=invitation.token(), user=dee)
    assert _actions() == ["member.invited", "member.joined"]
    assert "as owner" in AuditEntry.objects.get(action="member.joined").subject


def test_adviser_vetting_is_recorded_without_a_network(client, alice, union):
    programme = start_programme(union, alice)
    log_in_verified(client, alice)
    response = client.post(
        f"/help/coordinate/{programme.slug}/invite/",
        {
            "email": "walt@example.org",
            "display_name": "Walt",
            "qualifications": "Union rep",
            "skills": ["cv"],
            "sectors": ["administration"],
            "languages": ["en"],
            "time_zone": "America/New_York",
            "capacity": 2,
            "vetting_note": "Two references checked.",
        },
        REMOTE_ADDR="203.0.113.5",
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="adviser.vetted")
    assert entry.reason == "Two references checked." and entry.actor == alice
    # The help programme forgets every visitor's address before anything else runs.
    assert entry.network == ""
    adviser = programme.advisers.get()
    support.update_adviser(adviser=adviser, by=alice, status="paused")
    assert AuditEntry.objects.filter(action="adviser.changed").exists()


def test_an_entry_cannot_be_changed_or_deleted_by_the_application(mo):
    entry = actions.record(actor=mo, action="petition.approved", subject="x", reason="y")
    entry.reason = "something else"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="z")
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().reason == "y"


@pytest.mark.postgres
def test_on_postgresql_the_database_refuses_updates_and_deletes_too(mo):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    entry = actions.record(actor=mo, action="petition.approved", subject="x", reason="y")
    for sql in (
        "UPDATE moderation_auditentry SET reason = 'z' WHERE id = %s",
        "DELETE FROM moderation_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get().reason == "y"


def test_entries_are_kept_two_years_by_default_then_purged(mo, settings):
    assert settings.AUDIT_RETENTION_DAYS == 730
    with time_machine.travel(timezone.now() - timedelta(days=731)):
        actions.record(actor=mo, action="petition.approved", subject="old")
    with time_machine.travel(timezone.now() - timedelta(days=729)):
        actions.record(actor=mo, action="petition.approved", subject="recent")
    assert actions.purge_audit_log() == 1
    assert list(AuditEntry.objects.values_list("subject", flat=True)) == ["recent"]


def test_the_retention_is_configurable(mo, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        actions.record(actor=mo, action="petition.approved", subject="old")
    assert actions.purge_audit_log() == 1


def test_the_purge_is_a_periodic_job():
    from groundswell.core.management.commands.scheduler import periodic_jobs
    from groundswell.moderation import tasks

    assert tasks.purge_audit_log in [job for job, _ in periodic_jobs()]


def test_staff_filter_the_log(client, mo, alice, petition):
    actions.record(actor=alice, action="signers.exported", subject="petition 1: Buses")
    actions.record(actor=mo, action="item.hidden", subject="comment 5")
    log_in_verified(client, mo)
    page = client.get("/moderation/audit/", {"action": "item.hidden"}).content.decode()
    assert "comment 5" in page and "Buses" not in page
    page = client.get("/moderation/audit/", {"actor": "alice"}).content.decode()
    assert "Buses" in page and "comment 5" not in page
    page = client.get("/moderation/audit/", {"subject": "buses"}).content.decode()
    assert "Buses" in page and "comment 5" not in page
    response = client.get("/moderation/audit/", {"since": "not a date"})
    assert response.status_code == 422 and "Enter a valid date" in response.content.decode()


def test_deleting_a_petition_in_the_admin_is_recorded(client, petition):
    admin = make_user("root@example.org", "Root", is_staff=True, is_superuser=True)
    log_in_verified(client, admin)
    response = client.post(
        f"/admin/petitions/petition/{petition.pk}/delete/", {"post": "yes"},
        REMOTE_ADDR="192.0.2.44",
    )  # fmt: skip
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="petition.deleted")
    assert entry.actor == admin and petition.title in entry.subject
    assert entry.network == "192.0.2.0/24"


def test_deleting_an_account_keeps_its_entries_as_they_were(charlie):
    actions.record(actor=charlie, action="signers.exported", subject="petition 9: Buses")
    charlie.delete()
    entry = AuditEntry.objects.get()
    assert entry.actor_label == "charlie@example.org" and entry.actor_id is not None
