"""A petition that no longer takes signatures says so, instead of asking for the next goal."""

from groundswell.petitions import actions


def test_an_open_petition_shows_its_next_goal(client, petition):
    page = client.get(petition.get_absolute_url()).content.decode()
    assert "Next goal" in page
    assert "Signing has closed" not in page


def test_a_closed_petition_shows_no_next_goal(client, petition):
    actions.close_petition(petition=petition)
    page = client.get(petition.get_absolute_url()).content.decode()
    assert "Next goal" not in page
    assert "<progress" not in page
    assert "Signing has closed" in page
