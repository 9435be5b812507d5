"""Starting a petition: a first goal of the organiser's own, and a new target's email at once."""

from groundswell.petitions.models import Petition
from groundswell.targets.models import Target, TargetContact
from tests.conftest import PASSWORD, open_petition, sign_and_confirm

FORM = {"title": "Fund the night buses", "demand": "Fund them.", "targets-TOTAL_FORMS": "3",
        "targets-INITIAL_FORMS": "0"}  # fmt: skip


def _start(client, alice, **fields):
    client.login(username=alice.email, password=PASSWORD)
    return client.post("/p/new/", {**FORM, **fields})


def test_a_new_target_gets_the_organisations_address_from_the_petition_form(client, alice, union):
    response = _start(
        client,
        alice,
        **{
            "targets-0-name": "Dana Mayor",
            "targets-0-role": "Mayor of Springfield",
            "targets-0-email": "mayor@springfield.example.gov",
        },
    )
    assert response.status_code == 302
    target = Target.objects.get(name="Dana Mayor")
    assert target.email == ""  # the directory's address is staff's to set (decision 5)
    [contact] = TargetContact.objects.filter(target=target)
    assert (contact.organisation, contact.email) == (union, "mayor@springfield.example.gov")


def test_an_email_without_a_person_is_refused_with_a_message(client, alice):
    response = _start(client, alice, **{"targets-0-email": "someone@example.org",
                                         "targets-1-name": "Dana Mayor",
                                         "targets-1-role": "Mayor"})  # fmt: skip
    assert response.status_code == 422
    assert "Name the person, or pick them, as well as their email." in response.content.decode()
    assert not Petition.objects.exists()


def test_the_organisers_first_goal_is_shown_until_it_is_reached(client, alice, union):
    response = _start(client, alice, first_goal="250",
                      **{"targets-0-name": "Dana Mayor", "targets-0-role": "Mayor"})  # fmt: skip
    assert response.status_code == 302
    petition = Petition.objects.get()
    assert (petition.first_goal, petition.goal) == (250, 250)


def test_after_the_first_goal_the_ladder_takes_over(union, alice, mo):
    petition = open_petition(union, alice, mo, first_goal=2)
    for n in range(3):
        sign_and_confirm(petition, f"s{n}@example.com")
    petition.refresh_from_db()
    assert petition.goal == 100


def test_a_first_goal_below_ten_is_refused(client, alice):
    response = _start(client, alice, first_goal="3",
                      **{"targets-0-name": "Dana Mayor", "targets-0-role": "Mayor"})  # fmt: skip
    assert response.status_code == 422
    assert not Petition.objects.exists()
