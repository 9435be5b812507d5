"""Share links without third-party scripts, a QR code, a Mastodon hop, an embeddable widget."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import PASSWORD, sign_and_confirm


def test_the_confirmed_page_gives_the_signer_a_personal_link_everywhere(client, petition):
    signature = sign_and_confirm(petition, "ann@example.com")
    response = client.get(signature.get_confirm_path())  # second visit: still shows the links
    body = response.content.decode()
    ref = f"?ref={signature.ref_code}"
    links = {link["name"]: link["href"] for link in response.context["share_links"]}
    assert set(links) == {"Email", "X", "Facebook", "WhatsApp", "Mastodon"}
    assert all(signature.ref_code in href for href in links.values())
    assert f"/p/{petition.slug}/qr.svg{ref}" in body
    assert f'value="http://127.0.0.1:8000/p/{petition.slug}/{ref}&amp;src=link"' in body


def test_pages_load_no_third_party_script(client, petition):
    body = client.get(f"/p/{petition.slug}/").content.decode()
    assert body.count("<script") == 1
    assert '<script src="/static/js/petition.js"' in body


def test_the_qr_code_is_an_svg_of_the_petition_link(client, petition):
    response = client.get(f"/p/{petition.slug}/qr.svg?ref=abc123")
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.lstrip().startswith(b"<?xml") or b"<svg" in response.content[:200]
    assert "max-age=86400" in response["Cache-Control"]


def test_mastodon_sharing_goes_to_the_supporters_own_server_once_they_choose_to(client, petition):
    response = client.get(
        f"/p/{petition.slug}/share/mastodon/?instance=@ann@Mastodon.Social&ref=abc"
    )
    assert response.status_code == 200
    assert "Location" not in response
    page = response.content.decode()
    assert "You are going to <strong>mastodon.social</strong> to share" in page
    [href] = re.findall(r'href="(https://mastodon\.social/[^"]*)"', page)
    url = urlsplit(html.unescape(href))
    assert (url.scheme, url.netloc, url.path) == ("https", "mastodon.social", "/share")
    assert f"/p/{petition.slug}/?ref=abc" in parse_qs(url.query)["text"][0]


def test_a_share_link_naming_any_host_never_redirects_there(client, petition):
    response = client.get(f"/p/{petition.slug}/share/mastodon/?instance=evil.example")
    assert response.status_code == 200
    assert "Location" not in response
    assert "You are going to <strong>evil.example</strong>" in response.content.decode()


@pytest.mark.parametrize(
    "instance",
    ["evil.example/phish?x=", "https://evil.example:8443", "127.0.0.1", "localhost",
     "evil.example\\@good.org/", "ann@evil.example/x", "a b.example"],
)  # fmt: skip
def test_a_share_link_with_something_other_than_a_host_name_shows_the_form_again(
    client, petition, instance
):
    response = client.get(f"/p/{petition.slug}/share/mastodon/", {"instance": instance})
    assert response.status_code == 400
    assert "Location" not in response
    page = response.content.decode()
    assert "does not look like a Mastodon server name" in page
    assert 'name="instance"' in page


def test_the_widget_may_be_framed_by_other_sites_but_pages_may_not(client, petition):
    widget = client.get(f"/p/{petition.slug}/embed/")
    assert "X-Frame-Options" not in widget
    assert "frame-ancestors *" in widget["Content-Security-Policy"]
    assert petition.title in widget.content.decode()
    page = client.get(f"/p/{petition.slug}/")
    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'self'" in page["Content-Security-Policy"]


def test_the_organiser_is_shown_the_widget_snippet(client, alice, petition):
    client.login(username=alice.email, password=PASSWORD)
    body = client.get(f"/p/{petition.slug}/dashboard/").content.decode()
    assert f"/p/{petition.slug}/embed/" in body and "&lt;iframe" in body


def test_the_page_has_social_cards_and_a_canonical_url(client, petition):
    body = client.get(f"/p/{petition.slug}/?ref=someone").content.decode()
    canonical = f"http://127.0.0.1:8000/p/{petition.slug}/"
    assert f'<link rel="canonical" href="{canonical}">' in body
    assert f'<meta property="og:title" content="{petition.title}">' in body
    assert '<meta name="twitter:card"' in body
    assert 'name="ref" value="someone"' in body
