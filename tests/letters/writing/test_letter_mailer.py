"""The worker emails letters over several SMTP sessions at once, each letter once."""

import pytest
from django.db import connection

from groundswell.letters.writing import actions, tasks
from groundswell.letters.writing.models import OfficialLetter
from groundswell.targets.models import Target, TargetContact


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads racing need PostgreSQL")
def test_a_backlog_of_letters_goes_out_over_several_sessions_each_letter_once(
    campaign, union, monkeypatch, settings, smtp_server
):
    monkeypatch.setattr(actions, "wake_on_commit", lambda task: None)  # a backlog builds
    settings.MAILER_CONNECTIONS = 3
    for target in Target.objects.filter(us_state="WA").exclude(us_district=9):
        TargetContact.objects.create(target=target, organisation=union, email=f"o{target.pk}@x.gov")
    for n in range(100):
        written = actions.write_to_officials(
            campaign=campaign, name="Sam", email=f"w{n}@example.com", state="WA", district=7
        )
        actions.confirm_writer(token=written.writer.confirm_token())
    assert tasks.send_official_letters.call() == 300
    assert len(smtp_server.messages) == 300
    assert len({m.get_body().get_content() for m in smtp_server.messages}) == 300
    assert len(smtp_server.sessions) > 1
    assert not OfficialLetter.objects.exclude(status=OfficialLetter.Status.SENT).exists()
