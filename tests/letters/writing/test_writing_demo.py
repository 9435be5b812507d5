"""The demo's write-to-your-official campaign, on the shipped congressional data."""

from groundswell.letters.writing.demo import SLUG, seed_writing_campaign
from groundswell.letters.writing.scoreboard import scoreboard


def test_the_demo_campaign_has_letters_an_answer_and_loads_once(client, union):
    campaign = seed_writing_campaign(union)
    assert seed_writing_campaign(union) == campaign
    board = scoreboard(campaign)
    assert board.letters > 0 and board.answered == 1
    page = client.get(f"/write/{SLUG}/")
    assert page.status_code == 200
    assert "congress-legislators dfa9622" in page.content.decode()  # the edition shown
    assert "Waiting 12 days for an answer" in page.content.decode()
