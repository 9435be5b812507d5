"""Only a petition's organisation (and staff) deliver, record answers and mark it won; a
private answer link answers its own delivery and nothing else."""

import pytest

from groundswell.petitions.models import Petition
from groundswell.targets.models import Answer, Delivery, Target
from tests.conftest import PASSWORD, open_petition, start_petition
from tests.targets.conftest import JORDAN_EMAIL, answer_path, deliver

ORGANISER_POSTS = {
    "deliver/": {"deliver-answer_within_days": "14"},
    "delivery-plan/": {"plan-delivery_threshold": "5"},
    "outcome/": {"outcome-outcome": "won", "outcome-note": "Hijacked"},
}
ORGANISER_PAGES = ["deliveries/", "delivery.pdf"]


def log_in(client, user):
    client.login(username=user.email, password=PASSWORD)


def nothing_changed(petition):
    petition.refresh_from_db()
    assert petition.status == Petition.Status.OPEN
    assert petition.delivery_threshold is None
    assert not Delivery.objects.exists()


@pytest.mark.parametrize("action", ORGANISER_POSTS)
def test_an_outsider_cannot_deliver_set_the_threshold_or_mark_the_petition_won(
    client, charlie, petition, jordan, action
):
    log_in(client, charlie)
    assert client.post(f"/p/{petition.slug}/{action}", ORGANISER_POSTS[action]).status_code == 403
    nothing_changed(petition)


@pytest.mark.parametrize("page", ORGANISER_PAGES)
def test_an_outsider_cannot_see_the_delivery_pages(client, charlie, petition, page):
    log_in(client, charlie)
    assert client.get(f"/p/{petition.slug}/{page}").status_code == 403


@pytest.mark.parametrize("action", ORGANISER_POSTS)
def test_an_anonymous_visitor_is_sent_to_log_in(client, petition, jordan, action):
    response = client.post(f"/p/{petition.slug}/{action}", ORGANISER_POSTS[action])
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    nothing_changed(petition)


def test_an_outsider_cannot_record_an_answer(client, charlie, delivered, petition):
    log_in(client, charlie)
    url = f"/p/{petition.slug}/deliveries/{delivered.pk}/answer/"
    assert client.get(url).status_code == 403
    form = {"outcome": "answered", "source": "letter", "received_on": "2020-01-01", "text": "No"}
    assert client.post(url, form).status_code == 403
    assert not Answer.objects.exists()


def test_a_delivery_of_another_petition_cannot_be_reached_through_mine(
    client, charlie, delivered, petition, mo
):
    """charlie runs his own petition; he cannot answer alice's delivery through its URL."""
    theirs = open_petition(charlie.organisations.get(), charlie, mo, title="Charlie's own")
    log_in(client, charlie)
    url = f"/p/{theirs.slug}/deliveries/{delivered.pk}/answer/"
    form = {"outcome": "answered", "source": "letter", "received_on": "2020-01-01", "text": "No"}
    assert client.post(url, form).status_code == 404
    assert not Answer.objects.exists()


def test_a_colleague_delivers(client, bob, petition, jordan, django_capture_on_commit_callbacks):
    log_in(client, bob)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/p/{petition.slug}/deliver/", {"deliver-confirmed": f"{jordan.pk}:{JORDAN_EMAIL}"}
        )
    assert response.status_code == 302
    assert response["Location"] == f"/p/{petition.slug}/dashboard/"
    assert Delivery.objects.get().delivered_by == bob


def test_staff_deliver_on_the_organisers_behalf(
    client, mo, petition, jordan, django_capture_on_commit_callbacks, mailoutbox
):
    log_in(client, mo)
    assert (
        "Deliver or record an answer (staff)"
        in client.get(petition.get_absolute_url()).content.decode()
    )
    assert client.get(f"/p/{petition.slug}/deliveries/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/p/{petition.slug}/deliver/",
            {"deliver-answer_within_days": "3", "deliver-confirmed": f"{jordan.pk}:{JORDAN_EMAIL}"},
        )
    assert response["Location"] == f"/p/{petition.slug}/deliveries/"
    delivery = Delivery.objects.get()
    assert delivery.delivered_by == mo
    assert (delivery.deadline - delivery.delivered_on).days == 3
    # The organisers hear that their petition went out.
    assert any(m.to == ["alice@example.org"] and "Delivered" in m.subject for m in mailoutbox)


def test_a_colleague_marks_the_campaign_won(client, bob, petition):
    log_in(client, bob)
    form = {"outcome-outcome": "won", "outcome-note": "The director issued the guidance."}
    assert client.post(f"/p/{petition.slug}/outcome/", form).status_code == 302
    petition.refresh_from_db()
    assert petition.status == Petition.Status.WON
    assert not petition.is_signable()


# --- The directory --------------------------------------------------------------------------


def test_a_target_is_completed_by_the_one_organisation_that_addresses_them(
    client, alice, charlie, mo, petition, jordan
):
    url = f"/targets/{jordan.pk}/edit/"
    form = {"name": "Jordan Blake", "role": jordan.role, "office": "Hijacked"}
    log_in(client, charlie)
    assert client.post(url, form).status_code == 403
    log_in(client, alice)
    assert (
        client.post(url, {**form, "office": "Immigration and Customs Enforcement"}).status_code
        == 302
    )
    jordan.refresh_from_db()
    assert jordan.office == "Immigration and Customs Enforcement"


def test_the_directory_address_is_changed_by_staff_only_even_for_the_one_organisation(
    client, alice, mo, petition, jordan
):
    """Whoever touches an entry first must not set where other campaigns' deliveries go."""
    url = f"/targets/{jordan.pk}/edit/"
    form = {"name": "Jordan Blake", "role": jordan.role, "email": "alice@example.org"}
    log_in(client, alice)
    assert 'name="email"' not in client.get(url).content.decode()
    assert client.post(url, form).status_code == 302  # the other details are saved
    jordan.refresh_from_db()
    assert jordan.email == JORDAN_EMAIL
    log_in(client, mo)
    assert 'name="email"' in client.get(url).content.decode()
    assert client.post(url, {**form, "email": "press@agency.example.gov"}).status_code == 302
    jordan.refresh_from_db()
    assert jordan.email == "press@agency.example.gov"


def test_once_another_organisation_addresses_the_target_only_staff_change_the_entry(
    client, alice, charlie, mo, petition, jordan
):
    from groundswell.petitions.actions import TargetInput

    open_petition(charlie.organisations.get(), charlie, mo, title="Charlie's",
                  targets=[TargetInput.existing(jordan)])  # fmt: skip
    url = f"/targets/{jordan.pk}/edit/"
    form = {"name": "Jordan Blake", "role": jordan.role, "office": "Charlie's office"}
    for organiser in (charlie, alice):
        log_in(client, organiser)
        assert client.post(url, form).status_code == 403
    jordan.refresh_from_db()
    assert jordan.office == ""
    log_in(client, mo)
    assert client.post(url, {**form, "email": "press@agency.example.gov"}).status_code == 302


def test_the_target_of_a_draft_is_hidden_from_everyone_but_its_team(client, union, alice, charlie):
    from groundswell.petitions.actions import TargetInput

    start_petition(union, alice, targets=[TargetInput("Secret Senator", "Senator")])
    secret = Target.objects.get(name="Secret Senator")
    assert client.get(f"/targets/{secret.pk}/").status_code == 404
    assert "Secret Senator" not in client.get("/targets/").content.decode()
    assert client.get(f"/api/v1/targets/{secret.pk}").status_code == 404
    log_in(client, charlie)
    assert client.get(f"/targets/{secret.pk}/").status_code == 404
    log_in(client, alice)
    assert client.get(f"/targets/{secret.pk}/").status_code == 200


# --- The private answer link ----------------------------------------------------------------


@pytest.fixture
def two_targets(union, alice, mo, django_capture_on_commit_callbacks, mailoutbox):
    """A petition to two senators, delivered: each gets their own link."""
    from groundswell.petitions.actions import TargetInput

    petition = open_petition(union, alice, mo, title="Give us a seat", targets=[
        TargetInput("Ada Senator", "Senator"), TargetInput("Bea Senator", "Senator")])  # fmt: skip
    for n, target in enumerate(Target.objects.filter(name__endswith="Senator").order_by("name")):
        target.email = f"senator{n}@senate.example.gov"
        target.save()
    ada, bea = deliver(petition, alice, django_capture_on_commit_callbacks)
    links = {m.to[0]: answer_path(m.body) for m in mailoutbox if "senate" in m.to[0]}
    return petition, ada, bea, links["senator0@senate.example.gov"]


def test_a_link_answers_its_own_delivery_only(client, two_targets):
    _petition, ada, bea, ada_link = two_targets
    response = client.post(ada_link, {
        "decision": "answer", "text": "Ada's answer",
        # Fields a forged form might add: they are not read.
        "delivery": bea.pk, "delivery_id": bea.pk, "target": bea.target_id, "petition": "other",
    })  # fmt: skip
    assert response.status_code == 302
    ada.refresh_from_db()
    bea.refresh_from_db()
    assert ada.status == Delivery.Status.ANSWERED
    assert ada.answer.text == "Ada's answer"
    assert bea.status == Delivery.Status.SENT
    assert not Answer.objects.filter(delivery=bea).exists()


def test_a_link_opens_no_organiser_page(client, two_targets, alice):
    petition, ada, bea, ada_link = two_targets
    assert client.get(ada_link).status_code == 200  # the target's session now "knows" the link
    refused = [
        client.post(f"/p/{petition.slug}/deliveries/{bea.pk}/answer/",
                    {"outcome": "declined", "source": "letter", "received_on": "2020-01-01"}),
        client.post(f"/p/{petition.slug}/outcome/",
                    {"outcome-outcome": "won", "outcome-note": "x"}),
        client.post(f"/p/{petition.slug}/deliver/", {}),
        client.post(f"/p/{petition.slug}/delivery-plan/", {"plan-delivery_threshold": "1"}),
        client.post(f"/targets/{ada.target_id}/edit/", {"name": "X", "role": "Y"}),
        client.get(f"/p/{petition.slug}/dashboard/"),
        client.get(f"/p/{petition.slug}/deliveries/"),
    ]  # fmt: skip
    for response in refused:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    petition.refresh_from_db()
    assert petition.status == Petition.Status.OPEN
    assert not Answer.objects.exists()
    assert Target.objects.filter(name="X").count() == 0
