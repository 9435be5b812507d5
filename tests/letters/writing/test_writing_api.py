"""Campaigns, the ZIP lookup and the scoreboard under /api/v1/writing/."""

from groundswell.letters.writing import actions


def test_the_lookup_returns_each_district_of_a_zip_with_its_officials(
    client, campaign, django_assert_max_num_queries
):
    client.get("/api/v1/writing/officials", {"zip": "05401"})  # reads the ZIP table once
    with django_assert_max_num_queries(2):  # the edition and then the members, at most
        body = client.get("/api/v1/writing/officials", {"zip": "98118"}).json()
    assert [d["label"] for d in body["districts"]] == [
        "Washington, district 7",
        "Washington, district 9",
    ]
    names = [o["name"] for o in body["districts"][1]["officials"]]
    assert names == ["Maria Cantwell", "Patty Murray", "Adam Smith"]
    assert body["districts"][1]["officials"][1]["contact_method"] == "phone"
    assert body["edition"] == "test edition 1"


def test_a_malformed_zip_is_a_422_and_an_unknown_one_a_404(client, campaign):
    assert client.get("/api/v1/writing/officials", {"zip": "12"}).status_code == 422
    unknown = client.get("/api/v1/writing/officials", {"zip": "99999"})
    assert unknown.status_code == 404 and "99999" in unknown.json()["detail"]


def test_the_scoreboard_counts_only_letters_that_went_out(
    client, campaign, django_assert_max_num_queries
):
    written = actions.write_to_officials(
        campaign=campaign, name="Sam", email="sam@example.com", state="WA", district=7
    )
    actions.confirm_writer(token=written.writer.confirm_token())
    letter = written.writer.letters.get(target__bioguide_id="C000127")
    actions.report_sent(writer=written.writer, letter_id=letter.pk)
    with django_assert_max_num_queries(4):
        body = client.get(f"/api/v1/writing/campaigns/{campaign.slug}/scoreboard").json()
    assert (body["letters"], body["offices"], body["offices_answered"]) == (1, 1, 0)
    assert body["by_office"][0]["official"]["name"] == "Maria Cantwell"


def test_campaigns_are_listed_and_drafts_are_not(client, campaign, union):
    actions.create_campaign(
        organisation=union, slug="secret", title="Secret", subject="S", letter="L", status="draft"
    )
    slugs = [c["slug"] for c in client.get("/api/v1/writing/campaigns").json()["items"]]
    assert slugs == [campaign.slug]
    assert client.get("/api/v1/writing/campaigns/secret").status_code == 404


def test_the_writing_endpoints_are_in_the_openapi_schema(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/writing/campaigns",
        "/api/v1/writing/campaigns/{slug}",
        "/api/v1/writing/campaigns/{slug}/scoreboard",
        "/api/v1/writing/officials",
    ):
        assert path in paths
