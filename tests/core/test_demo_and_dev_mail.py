"""`make run` loads demo data once, and shows development mail at /dev/mail/."""

from django.core.management import call_command

from groundswell.accounts.models import User
from groundswell.core.mail import MailDirBackend, read_mailbox
from groundswell.petitions import counting
from groundswell.petitions.models import HourlyTally, Petition, Signature, Tally
from groundswell.support.models import Programme
from groundswell.targets.models import Target


def test_the_demo_data_loads_once_and_counts_exactly(db, capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    assert "organiser@example.org / groundswell-demo" in capsys.readouterr().out
    assert User.objects.count() == 2
    assert Programme.objects.count() == 1  # the help programme takes requests at once
    # So "Deliver now" works. Members of Congress (the write-to-your-official demo) publish
    # web forms and phone numbers, not email addresses.
    assert not Target.objects.filter(email="", bioguide_id__isnull=True).exists()
    assert sorted(Petition.objects.petitions().values_list("status", flat=True)) == [
        "closed",
        "in_review",
        "open",
    ]
    for petition in Petition.objects.public().petitions():  # letters: tests/letters/
        counting.forget(petition.pk)
        rows = Signature.objects.filter(petition=petition).confirmed()
        assert counting.confirmed_count(petition.pk) == rows.count() > 100
        assert rows.values("postcode").distinct().count() > 5  # spread over states
        assert rows.dates("confirmed_at", "day").count() > 5  # and over days
        assert len(Signature.objects.filter(petition=petition).top_referrers()) == 5
        # The dashboard has a chart, a map, countries and sources to show (insights.py).
        tallies = Tally.objects.filter(petition=petition)
        assert tallies.filter(kind=Tally.Kind.US_STATE).count() >= 15
        assert tallies.filter(kind=Tally.Kind.COUNTRY).count() > 1
        assert tallies.filter(kind=Tally.Kind.SOURCE).count() >= 8
        assert HourlyTally.objects.filter(petition=petition).count() > 20
    # One signer of the open petition withdrew: not counted, nothing of theirs kept.
    [withdrawn] = Signature.objects.filter(status=Signature.Status.WITHDRAWN)
    assert withdrawn.petition.status == "open" and withdrawn.email == ""


def test_development_mail_is_written_to_files_and_listed(settings, tmp_path, client):
    from django.core.mail import EmailMessage

    settings.EMAIL_FILE_PATH = tmp_path
    MailDirBackend().send_messages(
        [EmailMessage("Please confirm", "Follow http://127.0.0.1:8000/p/confirm/x/", to=["a@b.c"])]
    )
    [message] = read_mailbox()
    assert message["subject"] == "Please confirm" and "/p/confirm/x/" in message["text"]
