"""The help form's words match its layout."""

from django.urls import reverse


def test_the_help_form_points_at_the_warning_where_it_is(client, programme):
    page = client.get(reverse("support:intake", args=[programme.slug])).content.decode()
    warning_at = page.index("<strong>Warning:</strong>")
    pointer_at = page.index("Read the warning")
    assert "Read the warning above" in page
    assert warning_at < pointer_at
