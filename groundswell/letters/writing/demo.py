"""Demo data for write to your official: a campaign on the shipped congressional data.

Called at the end of ``manage.py seed_demo``; safe to run again (it does nothing twice).
"""

from datetime import timedelta

from django.utils import timezone

from groundswell.letters.writing import actions
from groundswell.letters.writing.models import OfficeAnswerLink, OfficialLetter, WritingCampaign
from groundswell.targets import congress
from groundswell.targets.actions import set_organisation_address
from groundswell.targets.models import DirectoryEdition, Target

SLUG = "tell-congress-officers-need-discretion"
WRITERS = [
    ("Dana Ortiz", "dana@example.com", "WA", 7, "98105", "Seattle"),
    ("Lee Park", "lee@example.com", "WA", 7, "98105", "Seattle"),
    ("Robin Hale", "robin@example.com", "WA", 9, "98118", "Seattle"),
    ("Ari Stone", "ari@example.com", "VT", 0, "05401", "Burlington"),
]


def seed_writing_campaign(organisation) -> WritingCampaign:
    if DirectoryEdition.current() is None:
        congress.load()
    existing = WritingCampaign.objects.filter(slug=SLUG).first()
    if existing:
        return existing
    campaign = actions.create_campaign(
        organisation=organisation,
        slug=SLUG,
        title="Tell Congress: officers need discretion, not suspensions",
        summary="Enter your ZIP code, read the letter, add a few words of your own, and we "
        "deliver it to your two senators and your representative.",
        subject="Please co-sponsor the Officer Discretion Act",
        letter="As your constituent, I ask you to co-sponsor the Officer Discretion Act, so "
        "that federal officers may use the discretion the law gives them without fear of "
        "suspension.\n\nPlease tell me where you stand.",
    )
    # The union emails one office directly (its own address, decision 5): that office
    # gets the letters by email with an answer link; the others get hand-offs.
    jayapal = Target.objects.filter(chamber="house", us_state="WA", us_district=7).first()
    if jayapal:
        set_organisation_address(
            target=jayapal, organisation=organisation,
            email="constituent.letters@house.example.gov", by=None,
        )  # fmt: skip
    for name, email, state, district, zip_code, city in WRITERS:
        written = actions.write_to_officials(
            campaign=campaign, name=name, email=email, state=state, district=district,
            zip_code=zip_code, street="1 Main Street", city=city,
        )  # fmt: skip
        actions.confirm_writer(token=written.writer.confirm_token())
        for letter in written.writer.letters.filter(status=OfficialLetter.Status.HANDED_OFF)[:2]:
            actions.report_sent(writer=written.writer, letter_id=letter.pk)
    # Setting the scene: the letters went out 12 days ago (and the demo sends no mail to
    # the members' offices, so the emailed ones are marked sent here, not by the worker).
    actions.date_demo_letters(campaign=campaign, sent_at=timezone.now() - timedelta(days=12))
    if jayapal:  # her office answered through the link in one of the letters
        token = OfficeAnswerLink.mint(campaign_id=campaign.pk, target_id=jayapal.pk)
        actions.answer_as_office(
            token=token, text="Thank you for writing. The congresswoman is reviewing the bill."
        )
    return campaign
