"""A damaged export (a broken download) is refused, or with --salvage read as far as it goes."""

import pytest
from django.core.management import CommandError

from groundswell.updates.models import Update
from tests.conftest import PASSWORD
from tests.updates.test_import_wordpress import FIXTURES, outcomes, run_import, run_json

PAGE = (FIXTURES / "posts-page-1.json").read_text()
WXR = (FIXTURES / "export.xml").read_text()


def cut(tmp_path, text: str, after: str, name: str) -> tuple:
    """``text`` cut off just after ``after``, as a broken download leaves it."""
    end = text.index(after) + len(after)
    path = tmp_path / name
    path.write_text(text[:end])
    return path, text[:end].count("\n") + 1


CUTS = {
    "rest, inside the content": (PAGE, "Bring a fr", "posts.json"),
    "rest, inside the title": (PAGE, "Members&#8217; pic", "posts.json"),
    "rest, between items": (PAGE, '"taxonomy": "category"}], []]}},', "posts.json"),
    "wxr, inside the content": (WXR, "the first shift st", "export.xml"),
    "wxr, inside the title": (WXR, "Family fu", "export.xml"),
    "wxr, between items": (WXR, "<![CDATA[Social]]></category>\n\t</item>", "export.xml"),
}


@pytest.mark.parametrize("where", CUTS)
def test_a_damaged_export_is_refused_with_where_it_breaks_and_nothing_imported(
    tmp_path, union, where
):
    text, after, name = CUTS[where]
    path, line = cut(tmp_path, text, after, name)
    with pytest.raises(CommandError) as error:
        run_import(path, union)
    message = str(error.value)
    assert f"{path} breaks at line {line}, column" in message
    assert "Nothing was imported" in message and "--salvage" in message
    assert not Update.objects.exists()


def test_salvage_cut_inside_the_content_keeps_the_whole_fields_and_the_content_up_to_the_cut(
    tmp_path, union
):
    path, line = cut(tmp_path, PAGE, "Bring a fr", "posts.json")
    report = run_json(path, union, "--salvage")
    assert outcomes(report) == {"post 401": "imported", "post 402": "imported"}
    assert report["damage"][0]["where"].startswith(f"line {line}, column")

    whole = Update.objects.get(source_id=401)
    assert (whole.status, whole.import_warning) == ("published", "")
    broken = Update.objects.get(source_id=402)
    assert broken.status == "draft"  # its status said publish: it never is, broken
    assert broken.title == "Members\u2019 picnic"
    assert broken.body_html == "<p>Bring a fr</p>"
    assert broken.source_url == "https://union.example.org/2024/05/picnic/"
    assert broken.created_at.isoformat() == "2024-05-02T08:00:00+00:00"
    assert "The content is cut short there." in broken.import_warning
    assert "Missing: excerpt." in broken.import_warning
    warning = report["items"][1]["warning"]
    assert warning == broken.import_warning


def test_salvage_cut_inside_the_title_keeps_the_title_up_to_the_cut(tmp_path, union):
    path, _line = cut(tmp_path, PAGE, "Members&#8217; pic", "posts.json")
    run_import(path, union, "--salvage")
    broken = Update.objects.get(source_id=402)
    assert broken.status == "draft"
    assert broken.title == "Members\u2019 pic\u2026"
    assert "The title is cut short there." in broken.import_warning
    assert "Missing: content, excerpt." in broken.import_warning


def test_salvage_cut_between_items_imports_every_whole_item(tmp_path, union):
    path, _line = cut(tmp_path, PAGE, '"taxonomy": "category"}], []]}},', "posts.json")
    report = run_json(path, union, "--salvage")
    assert outcomes(report) == {"post 401": "imported"}
    assert report["damage"] and Update.objects.get().status == "published"
    output = run_import(path, union, "--salvage")
    assert f"{path} breaks at line" in output


def test_salvage_of_a_wxr_cut_inside_the_content(tmp_path, union):
    path, _line = cut(tmp_path, WXR, "the first shift st", "export.xml")
    output = run_import(path, union, "--salvage")
    broken = Update.objects.get(source_guid="https://union.example.org/?p=501")
    assert broken.status == "draft"
    assert broken.title == "Drivers \u201cwalk out\u201d at dawn & the depot shuts"
    assert broken.body_html.endswith("<p>At 5am the first shift st</p>")
    assert broken.published_at is None and broken.created_at.isoformat().startswith("2024-06-11")
    for missing in ("excerpt", "id", "status", "post type"):
        assert missing in broken.import_warning
    assert "WARNING: Salvaged from a damaged export" in output  # on the command's output


def test_salvage_of_a_wxr_cut_inside_the_title_skips_the_item_that_has_nothing_whole(
    tmp_path, union
):
    path, _line = cut(tmp_path, WXR, "Family fu", "export.xml")
    report = run_json(path, union, "--salvage")
    assert outcomes(report) == {
        "attachment 88": "skipped", "post 501": "imported", "item 3": "skipped",
    }  # fmt: skip
    assert "before its link or guid arrived" in report["items"][2]["reason"]
    assert Update.objects.get().status == "published"


def test_salvage_of_a_wxr_cut_between_items(tmp_path, union):
    path, _line = cut(tmp_path, WXR, "</item>\n\t<item>\n\t\t<title><![CDATA[About", "export.xml")
    report = run_json(path, union, "--salvage")
    assert report["totals"]["imported"] == 2  # posts 501 and 502; the page had only a title
    assert sorted(Update.objects.values_list("source_id", flat=True)) == [501, 502]


@pytest.mark.parametrize("where", CUTS)
def test_salvaging_twice_still_gives_one_post(tmp_path, union, where):
    text, after, name = CUTS[where]
    path, _line = cut(tmp_path, text, after, name)
    run_import(path, union, "--salvage")
    before = list(Update.objects.order_by("pk").values())
    report = run_json(path, union, "--salvage")
    assert report["totals"]["imported"] == report["totals"]["updated"] == 0
    assert list(Update.objects.order_by("pk").values()) == before


def test_the_whole_export_later_completes_the_salvaged_draft(tmp_path, union):
    path, _line = cut(tmp_path, PAGE, "Bring a fr", "posts.json")
    run_import(path, union, "--salvage")
    report = run_json(FIXTURES / "posts-page-1.json", union)
    assert outcomes(report) == {"post 401": "unchanged", "post 402": "updated"}
    completed = Update.objects.get(source_id=402)
    assert (completed.status, completed.import_warning) == ("published", "")
    assert completed.body_html == "<p>Bring a friend.</p>"


def test_a_broken_copy_never_replaces_a_whole_import(tmp_path, union):
    run_import(FIXTURES / "posts-page-1.json", union)
    path, _line = cut(tmp_path, PAGE, "Bring a fr", "posts.json")
    report = run_json(path, union, "--salvage")
    assert outcomes(report) == {"post 401": "unchanged", "post 402": "skipped"}
    assert "a whole copy was imported before" in report["items"][1]["reason"]
    assert Update.objects.get(source_id=402).body_html == "<p>Bring a friend.</p>"


def test_the_salvaged_drafts_page_tells_the_organiser_what_is_missing(client, tmp_path, union):
    path, _line = cut(tmp_path, PAGE, "Bring a fr", "posts.json")
    run_import(path, union, "--salvage")
    broken = Update.objects.get(source_id=402)
    client.login(username="alice@example.org", password=PASSWORD)
    page = client.get(f"/updates/{broken.pk}/preview/").content.decode()
    assert "Check this imported post before publishing it." in page
    assert "Missing: excerpt." in page
    listing = client.get(f"/o/{union.slug}/press/manage/").content.decode()
    assert "incomplete" in listing


def test_damage_in_the_middle_of_a_list_is_skipped_over_to_the_next_post(tmp_path, union):
    broken = PAGE.replace('"slug": "strike-ballot",', '"slug": "strike-ballot", @@@', 1)
    path = tmp_path / "posts.json"
    path.write_text(broken)
    report = run_json(path, union, "--salvage")
    assert outcomes(report) == {"post 401": "imported", "post 402": "imported"}
    first = Update.objects.get(source_id=401)
    assert first.status == "draft"
    assert "Missing: status, link, title, content, excerpt." in first.import_warning
    assert first.title == "Untitled post 401"
    assert Update.objects.get(source_id=402).status == "published"


def test_a_single_post_cut_inside_its_content_is_salvaged_as_a_draft(tmp_path, union):
    single = (FIXTURES / "single-post.json").read_text()
    path, line = cut(tmp_path, single, "The council met on <strong>Mon", "post.json")
    with pytest.raises(CommandError, match=f"breaks at line {line}, column"):
        run_import(path, union)
    report = run_json(path, union, "--salvage")
    assert outcomes(report) == {"post 301": "imported"}
    draft = Update.objects.get()
    assert draft.status == "draft"
    assert draft.title == "Council \u201cvotes\u201d on the depot & the buses"
    assert "The council met on <strong>Mon</strong>" in draft.body_html
    assert "Missing: excerpt." in draft.import_warning


def test_a_field_cut_in_the_middle_of_a_date_is_dropped_not_guessed(tmp_path, union):
    path, _line = cut(tmp_path, WXR, "<wp:post_date><![CDATA[2024-06-11 07", "export.xml")
    run_import(path, union, "--salvage")
    broken = Update.objects.get(source_guid="https://union.example.org/?p=501")
    assert "The date was lost." in broken.import_warning
    # the RSS pubDate, which arrived whole, stands in for the date
    assert broken.created_at.isoformat() == "2024-06-11T05:15:00+00:00"
    assert broken.summary == "The first shift stayed out."  # the excerpt had arrived whole
