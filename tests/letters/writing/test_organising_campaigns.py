"""Organisers start, edit, open, close and manage write-to-your-official campaigns."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groundswell.core.errors import ActionError
from groundswell.letters.writing import actions
from groundswell.letters.writing.models import OfficeAnswerLink, OfficialLetter, WritingCampaign
from tests.letters.writing.conftest import write

CAMPAIGN = {
    "title": "Tell Congress: fund the night buses",
    "slug": "fund-the-night-buses",
    "summary": "Three minutes, and your senators hear from you.",
    "subject": "Fund the night buses",
    "letter": "Please vote for the Night Transit Act.",
    "asks_for_address": "on",
    "status": "draft",
}


def start(client, **fields):
    return client.post("/write/new/", {**CAMPAIGN, **fields})


def edit(client, campaign, **fields):
    data = {**CAMPAIGN, "status": campaign.status, **fields}
    return client.post(f"/write/{campaign.slug}/edit/", data)


@pytest.fixture
def draft_campaign(union, small_congress):
    return actions.create_campaign(
        organisation=union,
        slug="night-buses",
        title="Fund the night buses",
        subject="Night buses",
        letter="Please vote for the Night Transit Act.",
        status=WritingCampaign.Status.DRAFT,
    )


def written_and_confirmed(campaign, email="sam@example.com"):
    written = actions.write_to_officials(
        campaign=campaign,
        name="Sam Supporter",
        email=email,
        state="WA",
        district=7,
        street="1 Main St",
        city="Seattle",
    )
    return actions.confirm_writer(token=written.writer.confirm_token())


# --- Starting, editing, opening, closing ---------------------------------------------------


def test_an_organiser_starts_a_campaign_as_a_draft_that_only_her_organisation_sees(
    client, alice, bob, charlie, union
):
    client.force_login(alice)
    response = start(client)
    campaign = WritingCampaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == "/write/fund-the-night-buses/manage/"
    assert campaign.organisation == union
    assert campaign.status == WritingCampaign.Status.DRAFT
    assert campaign.letter == "Please vote for the Night Transit Act."
    assert campaign.asks_for_address is True
    client.force_login(bob)
    page = client.get("/write/fund-the-night-buses/")
    assert page.status_code == 200
    assert "This is a draft: only your organisation sees it" in page.content.decode()
    client.force_login(charlie)
    assert client.get("/write/fund-the-night-buses/").status_code == 404
    client.logout()
    assert client.get("/write/fund-the-night-buses/").status_code == 404


def test_an_empty_address_is_made_from_the_title_and_an_unticked_box_asks_for_no_street(
    client, alice
):
    client.force_login(alice)
    data = {**CAMPAIGN, "slug": ""}
    del data["asks_for_address"]
    assert client.post("/write/new/", data).status_code == 302
    campaign = WritingCampaign.objects.get()
    assert campaign.slug == "tell-congress-fund-the-night-buses"
    assert campaign.asks_for_address is False


def test_an_organiser_opens_a_draft_and_then_closes_it_and_a_closed_one_takes_no_letters(
    client, alice, draft_campaign, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    response = client.post("/write/night-buses/open/")
    assert response.status_code == 302
    assert response["Location"] == "/write/night-buses/manage/"
    draft_campaign.refresh_from_db()
    assert draft_campaign.status == WritingCampaign.Status.OPEN
    client.logout()
    assert client.get("/write/night-buses/").status_code == 200

    client.force_login(alice)
    client.post("/write/night-buses/close/")
    draft_campaign.refresh_from_db()
    assert draft_campaign.status == WritingCampaign.Status.CLOSED
    client.logout()
    page = client.get("/write/night-buses/")
    assert page.status_code == 200
    assert "This campaign is not taking letters any more." in page.content.decode()
    refused = write(client, draft_campaign)
    assert refused.status_code == 409
    assert not OfficialLetter.objects.exists()


def test_a_draft_cannot_be_closed_into_public_view(client, alice, draft_campaign):
    client.force_login(alice)
    page = client.post("/write/night-buses/close/", follow=True)
    assert "Only an open campaign can be closed" in page.content.decode()
    draft_campaign.refresh_from_db()
    assert draft_campaign.status == WritingCampaign.Status.DRAFT


def test_an_organiser_edits_the_words_and_the_address_stays(client, bob, campaign):
    client.force_login(bob)  # an editor of the union, not its owner
    response = edit(
        client,
        campaign,
        title="Protect discretion now",
        slug="another-address",
        letter="Please co-sponsor the Officer Discretion Act this week.",
        asks_for_address="",
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.title == "Protect discretion now"
    assert campaign.letter == "Please co-sponsor the Officer Discretion Act this week."
    assert campaign.slug == "protect-discretion"
    assert campaign.asks_for_address is False
    assert campaign.status == WritingCampaign.Status.OPEN


def test_the_edit_form_closes_a_campaign_and_opens_it_again(client, alice, campaign):
    client.force_login(alice)
    edit(client, campaign, status="closed")
    campaign.refresh_from_db()
    assert campaign.status == WritingCampaign.Status.CLOSED
    edit(client, campaign, status="open")
    campaign.refresh_from_db()
    assert campaign.status == WritingCampaign.Status.OPEN


def test_letters_already_sent_keep_their_words_after_an_edit(client, alice, campaign):
    written_and_confirmed(campaign)
    client.force_login(alice)
    edit(client, campaign, letter="Entirely new words.")
    bodies = OfficialLetter.objects.values_list("body", flat=True)
    assert all("Please co-sponsor the Officer Discretion Act." in body for body in bodies)
    assert not any("Entirely new words." in body for body in bodies)


def test_a_campaign_people_wrote_for_cannot_go_back_to_being_a_draft(client, alice, campaign):
    written_and_confirmed(campaign)
    client.force_login(alice)
    response = edit(client, campaign, status="draft", title="Quietly withdrawn")
    assert response.status_code == 422
    assert "it cannot go back to being a draft" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == WritingCampaign.Status.OPEN
    assert campaign.title == "Protect officers' discretion"


def test_a_campaign_nobody_wrote_for_yet_can_go_back_to_being_a_draft(client, alice, campaign):
    client.force_login(alice)
    assert edit(client, campaign, status="draft").status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == WritingCampaign.Status.DRAFT


def test_opening_an_open_campaign_changes_nothing_and_closing_a_draft_is_refused(
    draft_campaign, campaign
):
    assert actions.open_campaign(campaign=campaign).status == WritingCampaign.Status.OPEN
    with pytest.raises(ActionError, match="Only an open campaign can be closed"):
        actions.close_campaign(campaign=draft_campaign)
    draft_campaign.refresh_from_db()
    assert draft_campaign.status == WritingCampaign.Status.DRAFT


# --- Bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"slug": "protect-discretion"}, "That address is taken: choose another."),
        ({"slug": "Protect-Discretion"}, "That address is taken: choose another."),
        ({"slug": "new"}, "That address is kept for the site&#x27;s own pages"),
        ({"slug": "answer"}, "That address is kept for the site&#x27;s own pages"),
        ({"slug": "fund the buses!"}, "Use lowercase letters, digits and single hyphens only"),
        ({"slug": "a" * 81}, "Ensure this value has at most 80 characters"),
        ({"letter": ""}, "Write the suggested letter."),
        ({"letter": "   "}, "Write the suggested letter."),
        ({"letter": "x" * 10001}, "Ensure this value has at most 10000 characters"),
        ({"title": "t" * 151}, "Ensure this value has at most 150 characters"),
        ({"subject": ""}, "This field is required."),
        ({"summary": "s" * 2001}, "Ensure this value has at most 2000 characters"),
        ({"status": "won"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_with_the_error_and_nothing_is_saved(
    client, alice, campaign, fields, error
):
    client.force_login(alice)
    response = start(client, **fields)
    assert response.status_code == 422
    assert error in response.content.decode()
    assert list(WritingCampaign.objects.all()) == [campaign]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"letter": ""}, "Write the suggested letter."),
        ({"title": "t" * 151}, "Ensure this value has at most 150 characters"),
        ({"subject": "s" * 151}, "Ensure this value has at most 150 characters"),
    ],
)
def test_a_bad_edit_is_refused_with_the_error_and_nothing_changes(
    client, alice, campaign, fields, error
):
    before = WritingCampaign.objects.values().get()
    client.force_login(alice)
    response = edit(client, campaign, **{"title": "Changed", **fields})
    assert response.status_code == 422
    assert error in response.content.decode()
    assert WritingCampaign.objects.values().get() == before


def test_the_action_refuses_a_taken_address_too(union, campaign):
    with pytest.raises(ActionError, match="That address is taken"):
        actions.create_campaign(
            organisation=union, slug=campaign.slug, title="T", subject="S", letter="L"
        )
    assert WritingCampaign.objects.count() == 1


# --- Who may -------------------------------------------------------------------------------


ORGANISER_PAGES = [
    ("get", "/write/new/"),
    ("post", "/write/new/"),
    ("get", "/write/protect-discretion/edit/"),
    ("post", "/write/protect-discretion/edit/"),
    ("get", "/write/protect-discretion/manage/"),
    ("post", "/write/protect-discretion/open/"),
    ("post", "/write/protect-discretion/close/"),
]


@pytest.mark.parametrize(("method", "path"), ORGANISER_PAGES)
def test_someone_not_logged_in_is_sent_to_log_in_and_nothing_changes(
    client, campaign, method, path
):
    response = getattr(client, method)(path, CAMPAIGN if method == "post" else None)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert WritingCampaign.objects.values_list("slug", "status").get() == (
        "protect-discretion",
        "open",
    )


@pytest.mark.parametrize(("method", "path"), ORGANISER_PAGES[2:])
def test_an_outsider_cannot_edit_manage_open_or_close_another_organisations_campaign(
    client, charlie, campaign, method, path
):
    client.force_login(charlie)
    response = getattr(client, method)(path, {**CAMPAIGN, "status": "closed"})
    assert response.status_code == 403
    campaign.refresh_from_db()
    assert (campaign.title, campaign.status) == ("Protect officers' discretion", "open")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/write/night-buses/edit/"),
        ("post", "/write/night-buses/edit/"),
        ("get", "/write/night-buses/manage/"),
        ("post", "/write/night-buses/open/"),
    ],
)
def test_another_organisations_draft_is_not_found_by_an_outsider(
    client, charlie, draft_campaign, method, path
):
    client.force_login(charlie)
    assert getattr(client, method)(path, CAMPAIGN).status_code == 404
    draft_campaign.refresh_from_db()
    assert draft_campaign.status == WritingCampaign.Status.DRAFT


def test_an_outsider_cannot_start_a_campaign_for_another_organisation(client, charlie, union):
    client.force_login(charlie)
    assert client.get(f"/write/new/?org={union.slug}").status_code == 403
    assert client.post(f"/write/new/?org={union.slug}", CAMPAIGN).status_code == 403
    assert not WritingCampaign.objects.exists()


def test_an_outsider_starts_one_for_their_own_organisation_only(client, charlie, union):
    client.force_login(charlie)
    assert client.post("/write/new/", CAMPAIGN).status_code == 302
    assert WritingCampaign.objects.get().organisation == charlie.organisations.get()


def test_only_members_see_the_manage_link_on_the_campaign_page(client, alice, charlie, campaign):
    client.force_login(alice)
    assert "Manage this campaign" in client.get("/write/protect-discretion/").content.decode()
    client.force_login(charlie)
    assert "Manage this campaign" not in client.get("/write/protect-discretion/").content.decode()


# --- The management page and the list ------------------------------------------------------


def test_the_manage_page_shows_the_scoreboard_the_writers_and_each_offices_answer(
    client, alice, campaign
):
    writer = written_and_confirmed(campaign)
    actions.write_to_officials(
        campaign=campaign, name="Pat", email="pat@example.com", state="WA", district=9
    )  # not confirmed: counted as waiting, its letters not counted
    cantwell = writer.letters.get(target__bioguide_id="C000127")
    actions.report_sent(writer=writer, letter_id=cantwell.pk)
    token = OfficeAnswerLink.mint(campaign_id=campaign.pk, target_id=cantwell.target_id)
    actions.answer_as_office(token=token, text="The senator thanks you for writing.")

    client.force_login(alice)
    page = client.get("/write/protect-discretion/manage/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "1 letter to 1 office; 1 office has answered" in text
    assert "Maria Cantwell" in text
    assert "The senator thanks you for writing." in text
    assert "1 confirmed" in text
    assert "1 waiting to confirm by email" in text
    assert '<th scope="row">Sent by the writer (self-reported)</th><td>1</td>' in text
    assert '<th scope="row">Ready for the writer to send</th><td>2</td>' in text
    assert '<th scope="row">Waiting for the writer to confirm</th><td>3</td>' in text


def test_the_letters_page_lists_the_organisations_campaigns_with_drafts_for_members_only(
    client, alice, charlie, campaign, draft_campaign
):
    written_and_confirmed(campaign)
    client.force_login(alice)
    text = client.get("/letters/").content.decode()
    assert 'href="/write/night-buses/manage/"' in text
    assert 'href="/write/protect-discretion/manage/"' in text
    assert 'href="/write/new/"' in text
    client.force_login(charlie)
    text = client.get("/letters/").content.decode()
    assert 'href="/write/protect-discretion/"' in text  # the public list
    assert "night-buses" not in text
    assert "/manage/" not in text


def test_the_dashboard_lists_each_organisations_campaigns_and_a_link_to_start_one(
    client, alice, union, draft_campaign
):
    client.force_login(alice)
    text = client.get("/accounts/").content.decode()
    assert 'href="/write/night-buses/manage/"' in text
    assert f'href="/write/new/?org={union.slug}"' in text


def test_the_letters_page_asks_the_same_number_of_queries_for_many_campaigns(
    client, alice, union, campaign
):
    client.force_login(alice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/letters/").status_code == 200
        return len(captured)

    written_and_confirmed(campaign)
    queries()  # the first request of a session loads what later ones find cached
    few = queries()
    for n in range(12):
        more = actions.create_campaign(
            organisation=union, slug=f"more-{n}", title=f"More {n}", subject="S", letter="L"
        )
        written_and_confirmed(more, email=f"writer{n}@example.com")
    assert queries() == few
    text = client.get("/letters/").content.decode()
    assert text.count('class="number">1</td>') == 13  # each: one confirmed writer
    assert text.count('class="number">0</td>') == 13  # and no letter counted yet


def test_counted_letters_on_the_list_are_those_sent_or_reported(client, alice, campaign):
    writer = written_and_confirmed(campaign)
    for letter in writer.letters.all()[:2]:
        actions.report_sent(writer=writer, letter_id=letter.pk)
    client.force_login(alice)
    row = (
        client.get("/letters/")
        .content.decode()
        .split('href="/write/protect-discretion/manage/"')[1]
    )
    row = row.split("</tr>")[0]
    assert 'class="number">1</td>' in row  # one confirmed writer
    assert 'class="number">2</td>' in row  # two letters counted


def test_the_organisers_pages_read_in_spanish(client, alice, campaign):
    written_and_confirmed(campaign)
    client.force_login(alice)
    es = {"HTTP_ACCEPT_LANGUAGE": "es"}
    manage = client.get("/write/protect-discretion/manage/", **es).content.decode()
    assert "Estado: Abierta" in manage
    assert "1 confirmó" in manage
    assert "Cerrar la campaña" in manage
    new = client.get("/write/new/", **es).content.decode()
    assert "Iniciar una campaña para escribir a funcionarios electos" in new
    refused = client.post("/write/new/", {**CAMPAIGN, "letter": ""}, **es)
    assert "Escriba la carta sugerida." in refused.content.decode()
