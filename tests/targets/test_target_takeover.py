"""No organisation can take over another's target (issue 12, the high finding).

The attack: charlie's club names a person in a draft, creating the directory entry, and
sets its email to a mailbox it reads. alice's union later addresses the same name and role;
the entry was silently reused, so alice's delivery, and its private answer link, went to
charlie, who published a forged answer on alice's page.

Now: the directory's address is staff's; an organisation's own address only serves its own
deliveries; entries are picked by id or made anew, never matched by their words; and the
organiser confirms the exact addresses before anything is sent.
"""

import re

import pytest

from groundswell.petitions import actions as petition_actions
from groundswell.petitions.actions import TargetInput
from groundswell.petitions.models import Petition
from groundswell.targets import actions
from groundswell.targets.models import Answer, Delivery, Target
from tests.conftest import PASSWORD, open_petition, start_petition, verify_session
from tests.targets.conftest import JORDAN_EMAIL, answer_path
from tests.targets.test_waiting_and_overdue import text_of

JORDAN = ("Jordan Blake", "Director, Immigration and Customs Enforcement")
ATTACKER = "inbox@attacker.example"
CONFIRMED = re.compile(r'name="deliver-confirmed" value="([^"]*)"')


def log_in(client, user):
    client.logout()
    client.login(username=user.email, password=PASSWORD)
    verify_session(client, user)  # staff pages need the second factor


def new_petition(client, user, title, *rows, **extra) -> tuple[object, Petition | None]:
    """Post the petition form; rows are (name, role) for someone new, or an entry's id."""
    data = {"title": title, "demand": "Decide.", "targets-TOTAL_FORMS": "3",
            "targets-INITIAL_FORMS": "0", **extra}  # fmt: skip
    for i, row in enumerate(rows):
        if isinstance(row, int):
            data[f"targets-{i}-entry"] = str(row)
        else:
            data[f"targets-{i}-name"], data[f"targets-{i}-role"] = row
    log_in(client, user)
    response = client.post("/p/new/", data)
    return response, Petition.objects.with_targets().filter(title=title).first()


def publish(petition, mo) -> Petition:
    petition_actions.submit_for_review(petition=petition)
    return petition_actions.approve_petition(petition=petition, reviewer=mo)


def deliver_through_the_page(client, user, petition, capture) -> object:
    """Press "Deliver now" as the page shows it: the addresses shown are the ones confirmed."""
    log_in(client, user)
    page = client.get(f"/p/{petition.slug}/deliveries/").content.decode()
    [confirmed] = CONFIRMED.findall(page)
    with capture(execute=True):
        return client.post(f"/p/{petition.slug}/deliver/", {"deliver-confirmed": confirmed})


def own_addresses():
    from groundswell.targets.models import TargetContact  # new with the fix

    return TargetContact.objects.all()


def set_own_address(client, user, petition, target, email):
    log_in(client, user)
    return client.post(f"/p/{petition.slug}/targets/{target.pk}/address/", {"email": email})


# --- The attack, end to end -----------------------------------------------------------------


def test_the_whole_attack_no_longer_sends_alices_delivery_or_its_link_to_charlie(
    client, alice, charlie, mo, django_capture_on_commit_callbacks, mailoutbox
):
    # 1. charlie's club names the director in a draft, and sets the entry's email to itself.
    _, theirs = new_petition(client, charlie, "Charlie's draft", JORDAN)
    charlies_entry = theirs.targets.get()
    client.post(f"/targets/{charlies_entry.pk}/edit/",
                {"name": JORDAN[0], "role": JORDAN[1], "email": ATTACKER})  # fmt: skip
    charlies_entry.refresh_from_db()
    assert charlies_entry.email == ""  # the directory's address is staff's

    # 2. alice's union addresses the same name and role: a separate entry, nothing of charlie's.
    response, ours = new_petition(client, alice, "Alice's petition", JORDAN)
    assert response.status_code == 302
    alices_entry = ours.targets.get()
    assert alices_entry != charlies_entry
    assert alices_entry.email != ATTACKER
    ours = publish(ours, mo)

    # 3. alice has to give an address before delivering, and sees it before anything is sent.
    log_in(client, alice)
    refused = client.post(f"/p/{ours.slug}/deliver/", {})
    assert refused.status_code == 409 and "Add an email address for Jordan Blake" in text_of(
        refused
    )
    set_own_address(client, alice, ours, alices_entry, JORDAN_EMAIL)
    assert deliver_through_the_page(client, alice, ours, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(petition=ours)
    assert delivery.email == JORDAN_EMAIL
    assert not [m for m in mailoutbox if ATTACKER in m.to or charlie.email in m.to]
    [to_jordan] = [m for m in mailoutbox if m.to == [JORDAN_EMAIL]]

    # 4. charlie answers through the only kind of link he can hold: his own petition's.
    theirs = publish(theirs, mo)
    set_own_address(client, charlie, theirs, charlies_entry, ATTACKER)
    deliver_through_the_page(client, charlie, theirs, django_capture_on_commit_callbacks)
    [to_charlie] = [m for m in mailoutbox if m.to == [ATTACKER]]
    his_link = answer_path(to_charlie.body)
    forged = his_link.replace(f"/p/{theirs.slug}/", f"/p/{ours.slug}/")
    client.logout()
    assert (
        client.post(forged, {"decision": "answer", "text": "Forged: we agree."}).status_code == 404
    )
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert not Answer.objects.filter(delivery__petition=ours).exists()
    assert "Forged" not in client.get(ours.get_absolute_url()).content.decode()
    [api_delivery] = client.get(f"/api/v1/petitions/{ours.slug}").json()["deliveries"]
    assert api_delivery["answer"] is None
    # Only the link that went to Jordan's office answers alice's delivery.
    assert answer_path(to_jordan.body).startswith(f"/p/{ours.slug}/respond/")


def test_an_entry_picked_from_another_organisations_campaign_brings_none_of_its_addresses(
    client, alice, charlie, mo, django_capture_on_commit_callbacks, mailoutbox
):
    """charlie's campaign is public, so alice may pick its entry: his address stays his."""
    _, theirs = new_petition(client, charlie, "Charlie's petition", JORDAN)
    entry = theirs.targets.get()
    publish(theirs, mo)
    assert set_own_address(client, charlie, theirs, entry, ATTACKER).status_code == 302

    response, ours = new_petition(client, alice, "Alice's petition", entry.pk)
    assert response.status_code == 302
    assert ours.targets.get() == entry  # one record of answers for the director
    ours = publish(ours, mo)
    log_in(client, alice)
    page = text_of(client.get(f"/p/{ours.slug}/deliveries/"))
    assert ATTACKER not in page and "no email address" in page

    actions.update_target(target=entry, email=JORDAN_EMAIL)  # staff complete the directory
    deliver_through_the_page(client, alice, ours, django_capture_on_commit_callbacks)
    assert Delivery.objects.get(petition=ours).email == JORDAN_EMAIL
    assert [m.to for m in mailoutbox if "agency" in m.to[0] or "attacker" in m.to[0]] == [
        [JORDAN_EMAIL]
    ]


# --- An organisation's own address ----------------------------------------------------------


def test_an_organisations_address_serves_its_own_deliveries_only(
    client, alice, charlie, mo, petition, jordan, django_capture_on_commit_callbacks
):
    theirs = open_petition(charlie.organisations.get(), charlie, mo, title="Charlie's",
                           targets=[TargetInput.existing(jordan)])  # fmt: skip
    assert set_own_address(client, charlie, theirs, jordan, ATTACKER).status_code == 302
    contact = own_addresses().get()
    assert (contact.organisation, contact.email, contact.updated_by) == (
        charlie.organisations.get(),
        ATTACKER,
        charlie,
    )
    jordan.refresh_from_db()
    assert jordan.email == JORDAN_EMAIL  # the directory is untouched

    log_in(client, alice)
    assert ATTACKER not in client.get(f"/p/{petition.slug}/deliveries/").content.decode()
    assert ATTACKER not in client.get(f"/targets/{jordan.pk}/").content.decode()
    [ours] = actions.deliver_petition(petition=petition, by=alice)
    [his] = actions.deliver_petition(petition=theirs, by=charlie)
    assert (ours.email, his.email) == (JORDAN_EMAIL, ATTACKER)


def test_an_organisation_sets_and_clears_its_own_address_and_the_threshold_uses_it(
    client, alice, petition, jordan, django_capture_on_commit_callbacks
):
    from tests.conftest import sign_and_confirm

    url = f"/p/{petition.slug}/targets/{jordan.pk}/address/"
    log_in(client, alice)
    assert client.get(url).status_code == 200
    assert client.post(url, {"email": "not an address"}).status_code == 422
    assert client.post(url, {"email": "casework@agency.example.gov"}).status_code == 302
    page = text_of(client.get(f"/p/{petition.slug}/deliveries/"))
    assert "to casework@agency.example.gov (your organisation's address)" in page
    assert client.post(url, {"email": ""}).status_code == 302
    assert not own_addresses().exists()
    page = text_of(client.get(f"/p/{petition.slug}/deliveries/"))
    assert f"to {JORDAN_EMAIL} (the directory's address)" in page

    client.post(url, {"email": "casework@agency.example.gov"})
    Petition.objects.filter(pk=petition.pk).update(delivery_threshold=1)
    sign_and_confirm(petition)
    assert actions.deliver_at_threshold() == 1
    assert Delivery.objects.get().email == "casework@agency.example.gov"


@pytest.mark.parametrize("who", ["charlie", "anonymous"])
def test_only_the_petitions_organisation_or_staff_set_its_address_for_a_target(
    client, request, who, petition, jordan, mo
):
    url = f"/p/{petition.slug}/targets/{jordan.pk}/address/"
    if who == "charlie":
        log_in(client, request.getfixturevalue("charlie"))
    response = client.post(url, {"email": ATTACKER})
    assert response.status_code == (403 if who == "charlie" else 302)
    if who == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    assert client.get(url).status_code in (302, 403)
    assert not own_addresses().exists()
    log_in(client, mo)
    assert client.post(url, {"email": "staff-set@agency.example.gov"}).status_code == 302
    assert own_addresses().get().organisation == petition.organisation


def test_an_address_can_be_set_only_for_a_target_of_the_petition(client, alice, petition, union):
    start_petition(union, alice, title="Another", targets=[TargetInput("Ada Senator", "Senator")])
    other = Target.objects.get(name="Ada Senator")
    log_in(client, alice)
    url = f"/p/{petition.slug}/targets/{other.pk}/address/"
    assert client.post(url, {"email": "x@example.org"}).status_code == 404
    assert not own_addresses().exists()


# --- Seeing the addresses before sending ----------------------------------------------------


def test_delivering_first_shows_the_exact_addresses_and_sends_nothing(
    client, alice, petition, jordan, django_capture_on_commit_callbacks, mailoutbox
):
    log_in(client, alice)
    page = client.get(f"/p/{petition.slug}/deliveries/").content.decode()
    assert f"Send to {JORDAN_EMAIL}" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/p/{petition.slug}/deliver/", {"deliver-answer_within_days": "9"})
    assert response.status_code == 200
    text = text_of(response)
    assert "Nothing has been sent yet" in text
    assert f"Jordan Blake, {jordan.role}: {JORDAN_EMAIL} (the directory's address)" in text
    assert not Delivery.objects.exists() and not mailoutbox
    [confirmed] = CONFIRMED.findall(response.content.decode())
    assert 'name="deliver-answer_within_days" value="9"' in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        form = {"deliver-confirmed": confirmed, "deliver-answer_within_days": "9"}
        sent = client.post(f"/p/{petition.slug}/deliver/", form)
    assert sent.status_code == 302
    delivery = Delivery.objects.get()
    assert delivery.email == JORDAN_EMAIL and (delivery.deadline - delivery.delivered_on).days == 9


def test_an_address_changed_after_the_organiser_looked_is_shown_again_not_used(
    client, alice, mo, petition, jordan, django_capture_on_commit_callbacks, mailoutbox
):
    log_in(client, alice)
    page = client.get(f"/p/{petition.slug}/deliveries/").content.decode()
    [confirmed] = CONFIRMED.findall(page)
    actions.update_target(target=jordan, email="changed@agency.example.gov")  # meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/p/{petition.slug}/deliver/", {"deliver-confirmed": confirmed})
    assert response.status_code == 409
    text = text_of(response)
    assert "The addresses changed since the page was shown" in text
    assert "changed@agency.example.gov" in text
    assert not Delivery.objects.exists() and not mailoutbox


# --- Picking or making a directory entry ----------------------------------------------------


def test_typing_the_name_and_role_of_an_entry_one_can_see_asks_to_pick_it_or_make_another(
    client, alice, petition
):
    jordan = petition.targets.get()
    response, made = new_petition(client, alice, "Again", JORDAN)
    assert response.status_code == 422 and made is None
    text = text_of(response)
    assert "is already in the directory. Pick them from the list" in text
    assert 'name="targets-0-separate"' in response.content.decode()

    response, made = new_petition(client, alice, "Again", JORDAN, **{"targets-0-separate": "on"})
    assert response.status_code == 302
    assert made.targets.get() != jordan
    assert Target.objects.filter(name=JORDAN[0], role=JORDAN[1]).count() == 2


def test_a_draft_of_another_organisation_neither_lends_its_entry_nor_reveals_it(
    client, alice, charlie
):
    _, theirs = new_petition(client, charlie, "Charlie's secret", ("Secret Senator", "Senator"))
    secret = theirs.targets.get()
    log_in(client, alice)
    assert "Secret Senator" not in client.get("/p/new/").content.decode()
    response, ours = new_petition(client, alice, "Ours", ("Secret Senator", "Senator"))
    assert response.status_code == 302  # not asked: that entry is not hers to see
    assert ours.targets.get() != secret
    response, none = new_petition(client, alice, "By id", secret.pk)
    assert response.status_code == 422 and none is None
    assert "No such person in the directory" in text_of(response)


def test_an_entry_is_picked_or_made_not_both(client, alice, petition):
    jordan = petition.targets.get()
    both = {"targets-0-name": "Pat", "targets-0-role": "Head"}
    response, made = new_petition(client, alice, "Both", jordan.pk, **both)
    assert response.status_code == 422 and made is None
    assert "not both" in text_of(response)


def test_the_action_refuses_an_entry_the_organisation_cannot_see(union, alice, charlie):
    from groundswell.core.errors import ActionError

    theirs = start_petition(charlie.organisations.get(), charlie, title="Charlie's secret",
                            targets=[TargetInput("Secret Senator", "Senator")])  # fmt: skip
    secret = theirs.targets.get()
    with pytest.raises(ActionError, match="No such person"):
        start_petition(union, alice, title="Ours", targets=[TargetInput.existing(secret)])
    assert not Petition.objects.filter(title="Ours").exists()


def test_the_same_name_and_role_through_the_action_makes_a_separate_entry(union, alice, petition):
    jordan = petition.targets.get()
    again = start_petition(union, alice, title="Again", targets=[TargetInput(*JORDAN)])
    assert again.targets.get() != jordan


# --- Staff review the addresses organisations use -------------------------------------------


@pytest.fixture
def charlies_address(client, charlie, mo, petition, jordan):
    """charlie's club delivers its own petition to Jordan Blake at another address."""
    theirs = open_petition(charlie.organisations.get(), charlie, mo, title="Charlie's",
                           targets=[TargetInput.existing(jordan)])  # fmt: skip
    set_own_address(client, charlie, theirs, jordan, "casework@agency.example.gov")
    client.logout()
    return own_addresses().get()


@pytest.mark.parametrize("who", ["alice", "charlie", "anonymous"])
def test_only_staff_see_and_adopt_the_addresses_organisations_deliver_to(
    client, request, who, charlies_address, jordan
):
    if who != "anonymous":
        log_in(client, request.getfixturevalue(who))
    listing = client.get("/targets/addresses/")
    adopt = client.post(f"/targets/addresses/{charlies_address.pk}/adopt/")
    if who == "anonymous":
        assert listing.status_code == adopt.status_code == 302
        assert adopt["Location"].startswith("/accounts/login/")
    else:
        assert listing.status_code == adopt.status_code == 403
    assert "casework@" not in listing.content.decode()
    jordan.refresh_from_db()
    assert jordan.email == JORDAN_EMAIL


def test_staff_make_an_organisations_address_the_directorys(
    client, mo, charlies_address, jordan, alice, petition
):
    log_in(client, mo)
    text = text_of(client.get("/targets/addresses/"))
    assert "casework@agency.example.gov" in text and "Charlie&#x27;s Club" in text
    response = client.post(f"/targets/addresses/{charlies_address.pk}/adopt/")
    assert response.status_code == 302
    jordan.refresh_from_db()
    assert jordan.email == "casework@agency.example.gov"
    # Now the same as the directory's, it leaves the list; alice's next delivery goes there.
    assert "Every organisation delivers to the directory's" in text_of(
        client.get("/targets/addresses/")
    )
    [delivery] = actions.deliver_petition(petition=petition, by=alice)
    assert delivery.email == "casework@agency.example.gov"
    assert client.post("/targets/addresses/999999/adopt/").status_code == 404


def test_the_list_of_addresses_costs_the_same_queries_for_one_row_or_many(
    client, mo, charlies_address, union, alice
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    log_in(client, mo)
    client.get("/targets/addresses/")  # the session's first request records it (accounts)
    with CaptureQueriesContext(connection) as one:
        client.get("/targets/addresses/")
    for n in range(3):
        draft = start_petition(union, alice, title=f"Draft {n}",
                               targets=[TargetInput(f"Person {n}", "Mayor")])  # fmt: skip
        actions.set_organisation_address(target=draft.targets.get(), organisation=union,
                                         email=f"mayor{n}@city.example.gov", by=alice)  # fmt: skip
    with CaptureQueriesContext(connection) as four:
        text = text_of(client.get("/targets/addresses/"))
    assert "mayor2@city.example.gov" in text
    assert len(four) == len(one)
