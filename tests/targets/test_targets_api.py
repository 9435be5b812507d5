"""Targets, deliveries and answers in the JSON API."""

from django.utils import timezone

from groundswell.targets.models import Target
from tests.conftest import open_petition, start_petition


def test_a_petition_shows_its_targets_deliveries_and_answers(
    client, petition, delivered, link_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link_path, {"decision": "answer", "text": "We will meet."})
    data = client.get(f"/api/v1/petitions/{petition.slug}").json()
    [target] = data["targets"]
    assert target["id"] == delivered.target_id
    assert target["email"] == "director@agency.example.gov"
    assert target["url"] == f"http://127.0.0.1:8000/targets/{delivered.target_id}/"
    [delivery] = data["deliveries"]
    today = timezone.localdate().isoformat()
    assert delivery["state"] == "answered"
    assert delivery["target_name"] == "Jordan Blake"
    assert delivery["deadline"] == delivered.deadline.isoformat()
    assert delivery["delivered_at"].startswith(today)
    assert delivery["responded_at"].startswith(today)
    assert delivery["signature_count"] == 0
    assert delivery["answer"] == {
        "text": "We will meet.",
        "received_on": today,
        "recorded_at": delivery["answer"]["recorded_at"],
        "source": "link",
        "attachment_url": None,
    }
    assert data["outcome_note"] == ""


def test_a_target_lists_the_public_campaigns_addressed_to_them(
    client, petition, delivered, union, alice, mo
):
    from groundswell.petitions.actions import TargetInput

    jordan = delivered.target
    jordan.country, jordan.state = "US", "DC"
    jordan.save()
    same = [TargetInput.existing(jordan)]
    second = open_petition(union, alice, mo, title="A second ask", targets=same)
    start_petition(union, alice, title="A secret draft", targets=same)

    data = client.get(f"/api/v1/targets/{jordan.pk}").json()
    assert data["name"] == "Jordan Blake"
    assert data["country"] == "US"
    assert data["state"] == "DC"
    assert data["photo_url"] is None
    campaigns = {c["slug"]: c for c in data["campaigns"]}
    assert set(campaigns) == {petition.slug, second.slug}
    assert campaigns[petition.slug]["delivery"]["state"] == "sent"
    assert campaigns[petition.slug]["organisation"] == {"name": union.name, "slug": union.slug}
    assert campaigns[second.slug]["delivery"] is None


def test_the_schema_describes_targets_and_deliveries(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/targets/{target_id}" in schema["paths"]
    components = schema["components"]["schemas"]
    assert {"deliveries", "outcome_note"} <= set(components["PetitionDetailOut"]["properties"])
    assert {"state", "deadline", "delivered_at", "answer"} <= set(
        components["DeliveryOut"]["properties"]
    )
    assert {"id", "name", "role", "email", "country"} <= set(components["TargetOut"]["properties"])


def test_one_petition_costs_a_fixed_number_of_queries(
    client, petition, delivered, django_assert_max_num_queries
):
    Target.objects.update(email="x@example.gov")
    # petition and organisation, targets, count, deliveries with targets and answers.
    with django_assert_max_num_queries(4):
        assert client.get(f"/api/v1/petitions/{petition.slug}").status_code == 200
