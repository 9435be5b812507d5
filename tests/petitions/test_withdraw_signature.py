"""A signer takes their signature back from a link in any email we sent them."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from groundswell.core.errors import LinkInvalid
from groundswell.petitions import actions, counting
from groundswell.petitions.models import Signature
from groundswell.updates import actions as updates
from groundswell.updates.models import MailingRecipient
from tests.conftest import link_in, sign, sign_and_confirm


def count(petition) -> int:
    counting.forget(petition.pk)
    return counting.confirmed_count(petition.pk)


def withdraw_path(signature) -> str:
    return f"/p/withdraw/{signature.withdraw_token()}/"


def test_the_confirmation_email_carries_a_withdraw_link(
    petition, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign(petition, "sam@example.com")

    [message] = mail.outbox
    html = message.alternatives[0][0]
    assert "/p/withdraw/" in link_in(message.body, "/p/withdraw/")
    assert "Withdraw my signature" in html


def test_the_already_counted_email_carries_a_withdraw_link(
    petition, django_capture_on_commit_callbacks
):
    sign_and_confirm(petition, "sam@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        sign(petition, "sam@example.com")

    assert link_in(mail.outbox[-1].body, "/p/withdraw/")


def test_following_the_link_asks_first_and_changes_nothing(client, petition):
    signature = sign_and_confirm(petition, "sam@example.com")

    response = client.get(withdraw_path(signature))

    assert response.status_code == 200
    assert b"Withdraw your signature?" in response.content
    assert b"the count goes down by one" in response.content
    assert b'method="post"' in response.content
    assert "no-store" in response["Cache-Control"]
    signature.refresh_from_db()
    assert signature.status == Signature.Status.CONFIRMED
    assert count(petition) == 1


def test_withdrawing_takes_one_off_the_count_and_removes_the_personal_data(client, petition):
    sign_and_confirm(petition, "other@example.com")
    signature = sign_and_confirm(
        petition,
        "sam@example.com",
        name="Sam Supporter",
        comment="Because",
        show_name=True,
        wants_updates=True,
    )
    assert count(petition) == 2

    response = client.post(withdraw_path(signature))

    assert response.status_code == 200
    assert b"Your signature is withdrawn" in response.content
    assert count(petition) == 1
    signature.refresh_from_db()
    assert signature.status == Signature.Status.WITHDRAWN
    assert signature.withdrawn_at is not None
    assert (signature.name, signature.email, signature.postcode, signature.comment) == (
        "",
        "",
        "",
        "",
    )
    assert signature.country == ""
    assert "sam" not in signature.email_normalised
    assert not signature.show_name and not signature.wants_updates
    assert counting.recount(petition.pk) == 1  # the shards agree with the rows


def test_a_withdraw_link_followed_twice_changes_the_count_once(client, petition):
    sign_and_confirm(petition, "other@example.com")
    signature = sign_and_confirm(petition, "sam@example.com")
    path = withdraw_path(signature)

    first = client.post(path)
    second = client.post(path)
    again = client.get(path)

    assert first.status_code == 200
    assert second.status_code == 410
    assert b"This signature was withdrawn" in second.content
    assert again.status_code == 410
    assert count(petition) == 1


def test_an_unconfirmed_signature_can_be_withdrawn_and_its_old_confirmation_link_is_dead(
    client, petition
):
    signature = sign(petition, "sam@example.com")
    confirm_path = signature.get_confirm_path()

    client.post(withdraw_path(signature))
    response = client.get(confirm_path)

    assert response.status_code == 410
    assert b"This signature was withdrawn" in response.content
    assert count(petition) == 0
    assert Signature.objects.get(pk=signature.pk).status == Signature.Status.WITHDRAWN


def test_the_fast_confirmation_path_does_not_count_a_withdrawn_signature(petition):
    signature = sign(petition, "sam@example.com")
    actions.withdraw_signature(token=signature.withdraw_token())

    assert actions.confirm_signatures(ref_codes=[signature.ref_code]) == {}
    with pytest.raises(actions.SignatureWithdrawn):
        actions.confirm_signature(token=signature.confirmation_token())
    assert count(petition) == 0


def test_signing_again_after_withdrawing_counts_again(client, petition):
    signature = sign_and_confirm(petition, "Sam@Example.com")
    client.post(withdraw_path(signature))
    assert count(petition) == 0

    again = sign_and_confirm(petition, "sam@example.com", name="Sam Again")

    assert again.pk != signature.pk
    assert again.status == Signature.Status.CONFIRMED
    assert count(petition) == 1
    assert Signature.objects.filter(petition=petition).count() == 2


def test_no_email_is_sent_to_a_withdrawn_signature_still_owed_one(petition):
    signature = sign(petition, "sam@example.com")  # owed its confirmation, not sent yet
    actions.withdraw_signature(token=signature.withdraw_token())

    from groundswell.petitions.tasks import send_signature_emails

    send_signature_emails.call()
    assert mail.outbox == []


def test_a_tampered_withdraw_link_is_refused_and_changes_nothing(client, petition):
    signature = sign_and_confirm(petition, "sam@example.com")
    token = signature.withdraw_token()
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    for method in (client.get, client.post):
        response = method(f"/p/withdraw/{tampered}/")
        assert response.status_code == 410
        assert b"not valid" in response.content
    assert count(petition) == 1
    assert Signature.objects.get(pk=signature.pk).status == Signature.Status.CONFIRMED


def test_an_expired_withdraw_link_is_refused_and_changes_nothing(client, petition, settings):
    signature = sign_and_confirm(petition, "sam@example.com")
    path = withdraw_path(signature)
    days = settings.GROUNDSWELL["WITHDRAW_LINK_DAYS"]

    with time_machine.travel(timezone.now() + timedelta(days=days + 1)):
        response = client.post(path)

    assert response.status_code == 410
    assert b"expired" in response.content
    assert b"My data" in response.content  # where to get a fresh one
    assert count(petition) == 1


def test_a_confirmation_link_cannot_withdraw(client, petition):
    signature = sign(petition, "sam@example.com")

    response = client.post(f"/p/withdraw/{signature.confirmation_token()}/")

    assert response.status_code == 410
    assert Signature.objects.get(pk=signature.pk).status == Signature.Status.PENDING


def test_update_emails_carry_a_withdraw_link_and_withdrawing_forgets_the_mailings(
    petition, alice, django_capture_on_commit_callbacks
):
    signature = sign_and_confirm(petition, "sam@example.com", wants_updates=True)
    update = updates.write_update(petition=petition, author=alice, title="News", body="Body")
    updates.send_test(update=update, to=alice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        updates.publish_update(update=update, by=alice, email_signers=True)

    [message] = [m for m in mail.outbox if m.to == ["sam@example.com"]]
    path = link_in(message.body, "/p/withdraw/")
    assert MailingRecipient.objects.filter(signature=signature).exists()

    actions.withdraw_signature(token=path.split("/")[3])

    assert not MailingRecipient.objects.filter(signature=signature).exists()
    assert count(petition) == 0


def test_unknown_signature_in_a_genuine_link_gets_a_clear_page(client, petition):
    signature = sign(petition, "sam@example.com")
    token = signature.withdraw_token()
    Signature.objects.filter(pk=signature.pk).delete()  # purged: never confirmed

    response = client.get(f"/p/withdraw/{token}/")

    assert response.status_code == 410
    assert b"no longer hold" in response.content
    with pytest.raises(LinkInvalid):
        actions.withdraw_signature(token=token)


def _meanwhile(monkeypatch, what):
    """Run ``what(signature)`` between confirm_signature's read of the row and its update,
    as a concurrent request would."""
    real = Signature.is_expired

    def is_expired(self, now=None):
        what(self)
        return real(self, now)

    monkeypatch.setattr(Signature, "is_expired", is_expired)


def test_a_withdrawal_between_reading_and_confirming_is_explained(client, petition, monkeypatch):
    signature = sign(petition, "sam@example.com")
    _meanwhile(
        monkeypatch,
        lambda s: Signature.objects.filter(pk=s.pk).update(status=Signature.Status.WITHDRAWN),
    )

    response = client.get(signature.get_confirm_path())

    assert response.status_code == 410
    assert b"This signature was withdrawn" in response.content
    assert count(petition) == 0


def test_an_erasure_between_reading_and_confirming_is_a_clear_page(client, petition, monkeypatch):
    signature = sign(petition, "sam@example.com")
    _meanwhile(monkeypatch, lambda s: Signature.objects.filter(pk=s.pk).delete())

    response = client.get(signature.get_confirm_path())

    assert response.status_code == 410
    assert b"no longer hold this signature" in response.content
    assert count(petition) == 0


def test_a_withdrawn_signature_leaves_the_insights_tallies_too(client, petition):
    from django.db.models import Sum

    from groundswell.petitions import insights
    from groundswell.petitions.models import HourlyTally, Tally

    def tallied(**where) -> tuple[int, int]:
        hours = HourlyTally.objects.filter(petition=petition).aggregate(t=Sum("count"))["t"]
        kinds = Tally.objects.filter(petition=petition, **where).aggregate(t=Sum("count"))["t"]
        return (hours or 0, kinds or 0)

    sign_and_confirm(petition, "stays@example.com", postcode="10001", country="US")
    leaving = sign_and_confirm(petition, "leaves@example.com", postcode="94103", country="US")
    insights.tally_confirmed(now=timezone.now() + timedelta(minutes=5))  # past the lag
    assert tallied(kind=Tally.Kind.US_STATE) == (2, 2)

    client.post(f"/p/withdraw/{leaving.withdraw_token()}/")

    assert tallied(kind=Tally.Kind.US_STATE) == (1, 1)
    assert tallied(kind=Tally.Kind.COUNTRY) == (1, 1)
    assert not Tally.objects.filter(
        petition=petition, kind=Tally.Kind.US_STATE, key="CA", count__gt=0
    )
