"""GET /api/v1/petitions/{slug}/updates: published updates, documented, in few queries."""

from groundswell.updates import actions


def test_the_api_lists_published_updates_newest_first(client, petition, alice, draft_update):
    first = actions.write_update(petition=petition, author=alice, title="First", body="*One*")
    actions.publish_update(update=first)
    second = actions.post_automatic_update(
        petition=petition, title="500 people have signed", body="Thanks.", email_signers=False
    )
    response = client.get(f"/api/v1/petitions/{petition.slug}/updates")
    assert response.status_code == 200
    data = response.json()["items"]
    assert [u["title"] for u in data] == ["500 people have signed", "First"]
    assert data[1] == {
        "id": first.pk,
        "kind": "update",
        "title": "First",
        "summary": "",
        "body_html": "<p><em>One</em></p>\n",
        "automatic": False,
        "published_at": data[1]["published_at"],
        "modified_at": data[1]["modified_at"],
        "url": f"http://127.0.0.1:8000/p/{petition.slug}/updates/{first.pk}/",
        "original_url": "",
    }
    assert data[0]["automatic"] is True and data[0]["id"] == second.pk
    assert draft_update.title not in response.content.decode()


def test_the_list_costs_two_queries_however_many_updates(
    client, petition, alice, django_assert_num_queries
):
    for n in range(6):
        update = actions.write_update(petition=petition, author=alice, title=f"U{n}", body="x")
        actions.publish_update(update=update)
    with django_assert_num_queries(2):  # the petition, the updates
        assert len(client.get(f"/api/v1/petitions/{petition.slug}/updates").json()["items"]) == 6


def test_a_petition_that_is_not_public_has_no_updates_in_the_api(client, draft):
    response = client.get(f"/api/v1/petitions/{draft.slug}/updates")
    assert response.status_code == 404
    assert response.json()["detail"]
    assert client.get("/api/v1/petitions/nothing-here/updates").status_code == 404


def test_the_endpoint_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/petitions/{slug}/updates"]["get"]
    assert operation["tags"] == ["updates"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    page = schema["components"]["schemas"][ok["$ref"].rsplit("/", 1)[1]]  # docs/api.md
    assert page["properties"]["items"]["items"]["$ref"].endswith("/UpdateOut")
    assert "next" in page["properties"]
    fields = schema["components"]["schemas"]["UpdateOut"]["properties"]
    assert {"id", "title", "body_html", "published_at", "url", "automatic"} <= set(fields)
