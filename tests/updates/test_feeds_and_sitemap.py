"""Atom feeds per petition and per organisation, and /sitemap.xml: published things only."""

# The responses parsed here are our own, not untrusted input.
import xml.etree.ElementTree as ET

from groundswell.petitions import actions as petition_actions
from groundswell.updates import actions
from tests.conftest import open_petition

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def parse_atom(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314
    assert feed.tag == f"{ATOM}feed"
    return feed


def entries(feed: ET.Element) -> list[dict]:
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "published": entry.findtext(f"{ATOM}published"),
            "content": entry.findtext(f"{ATOM}content"),
        }
        for entry in feed.findall(f"{ATOM}entry")
    ]


def test_a_petition_feed_lists_its_published_updates_only(client, petition, alice, draft_update):
    published = actions.write_update(
        petition=petition, author=alice, title="Delivered", body="We *delivered* it."
    )
    actions.publish_update(update=published)

    feed = parse_atom(client.get(f"/p/{petition.slug}/feed/"))
    assert feed.findtext(f"{ATOM}title") == f"Updates: {petition.title}"
    assert feed.findtext(f"{ATOM}id")
    (entry,) = entries(feed)
    assert entry["title"] == "Delivered"
    assert entry["link"] == f"http://127.0.0.1:8000/p/{petition.slug}/updates/{published.pk}/"
    assert entry["published"]
    assert entry["content"] == "<p>We <em>delivered</em> it.</p>\n"
    assert draft_update.title not in client.get(f"/p/{petition.slug}/feed/").content.decode()


def test_an_organisation_feed_has_press_releases_and_campaign_updates(
    client, union, petition, press_release, draft_update, alice, mo
):
    actions.publish_update(update=press_release)
    actions.publish_update(update=draft_update)
    unpublished = actions.write_press_release(
        organisation=union, author=alice, title="Embargoed", body="Not yet."
    )
    feed = parse_atom(client.get(f"/o/{union.slug}/feed/"))
    titles = [e["title"] for e in entries(feed)]
    assert sorted(titles) == sorted([press_release.title, draft_update.title])
    assert unpublished.title not in titles


def test_updates_of_a_petition_that_is_not_public_stay_out_of_the_feeds(
    client, union, alice, mo, draft
):
    assert client.get(f"/p/{draft.slug}/feed/").status_code == 404
    assert client.get("/p/no-such-petition/feed/").status_code == 404
    assert client.get("/o/no-such-organisation/feed/").status_code == 404


def test_the_sitemap_lists_public_petitions_and_published_updates(
    client, union, alice, mo, petition, draft, draft_update, press_release
):
    closed = open_petition(union, alice, mo, title="An old campaign")
    petition_actions.close_petition(petition=closed)
    in_review = petition_actions.submit_for_review(
        petition=petition_actions.create_petition(
            organisation=union, created_by=alice, title="Waiting", demand="x",
            targets=[petition_actions.TargetInput("A", "B")],
        )
    )  # fmt: skip
    actions.publish_update(update=press_release)
    secret = actions.write_update(petition=petition, author=alice, title="Draft", body="x")

    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    urlset = ET.fromstring(response.content)  # noqa: S314
    locations = {url.findtext(f"{SITEMAP}loc") for url in urlset.findall(f"{SITEMAP}url")}
    site = "http://127.0.0.1:8000"
    assert f"{site}/p/{petition.slug}/" in locations
    assert f"{site}/p/{closed.slug}/" in locations
    assert f"{site}/o/{union.slug}/press/{press_release.pk}/" in locations
    assert f"{site}/p/{draft.slug}/" not in locations
    assert f"{site}/p/{in_review.slug}/" not in locations
    assert f"{site}/p/{petition.slug}/updates/{draft_update.pk}/" not in locations
    assert f"{site}/p/{petition.slug}/updates/{secret.pk}/" not in locations

    actions.publish_update(update=draft_update)
    response = client.get("/sitemap.xml")
    assert f"{site}/p/{petition.slug}/updates/{draft_update.pk}/".encode() in response.content


def test_the_sitemap_uses_the_site_url_whatever_the_host_header(client, petition, settings):
    settings.ALLOWED_HOSTS = ["*"]
    response = client.get("/sitemap.xml", HTTP_HOST="evil.example.com")
    assert b"evil.example.com" not in response.content
    assert f"http://127.0.0.1:8000/p/{petition.slug}/".encode() in response.content


def test_public_pages_point_to_their_feeds(client, union, petition):
    page = client.get(f"/o/{union.slug}/press/").content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert f'href="/o/{union.slug}/feed/"' in page
    updates = client.get(f"/p/{petition.slug}/updates/").content.decode()
    assert f'href="/p/{petition.slug}/feed/"' in updates
