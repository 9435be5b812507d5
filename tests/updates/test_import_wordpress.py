"""manage.py import_wordpress: real exports in (REST JSON, pages of it, WXR), posts out."""

import json
import shutil
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from groundswell.updates import actions
from groundswell.updates.models import ImportedPermalink, Update

FIXTURES = Path(__file__).parent / "fixtures" / "wordpress"

# What a real /wp-json/wp/v2/posts answer looks like, quirks included: escaped slashes,
# \u escapes and HTML entities in titles, and a raw (unescaped) newline inside a string.
MESSY = r"""[
{"id": 101, "date": "2024-03-05T09:00:00", "date_gmt": "2024-03-05T14:00:00",
 "modified": "2024-03-06T10:00:00", "modified_gmt": "2024-03-06T15:30:00",
 "slug": "six-weeks", "status": "publish",
 "link": "https:\/\/union.example.org\/2024\/03\/six-weeks\/",
 "title": {"rendered": "Six weeks &#8211; and \u201cno answer\u201d &amp; counting"},
 "content": {"rendered": "<p>The president wrote
on 22 January.<\/p>\n<script>alert(1)<\/script><p onclick=\"steal()\">Still
 <strong>nothing<\/strong>.<\/p><img src=x onerror=alert(2)>"},
 "excerpt": {"rendered": "<p>The president wrote&hellip; <em>still<\/em> nothing<\/p>\n"}},
{"id": 102, "date": "2024-04-01T08:00:00", "date_gmt": null,
 "modified": "2024-04-01T08:00:00", "slug": "draft-post", "status": "draft",
 "link": "https:\/\/union.example.org\/?p=102",
 "title": {"rendered": "Caf\u00e9 meeting &lt;notes&gt;"},
 "content": {"rendered": "<p>Not ready.<\/p>"}, "excerpt": {"rendered": ""}}
]"""


def post(post_id: int, **fields) -> dict:
    return {
        "id": post_id,
        "date": "2024-05-01T10:00:00",
        "date_gmt": "2024-05-01T10:00:00",
        "modified": "2024-05-02T10:00:00",
        "slug": f"post-{post_id}",
        "status": "publish",
        "link": f"https://union.example.org/post-{post_id}/",
        "title": {"rendered": f"Post {post_id}"},
        "content": {"rendered": f"<p>Body {post_id}</p>"},
        "excerpt": {"rendered": ""},
        **fields,
    }


def write(tmp_path, content, name="posts.json"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def run_import(path, organisation, *options) -> str:
    out = StringIO()
    paths = [str(p) for p in path] if isinstance(path, (list, tuple)) else [str(path)]
    call_command(
        "import_wordpress", *paths, "--organisation", organisation.slug, *options, stdout=out
    )
    return out.getvalue()


def run_json(path, organisation, *options) -> dict:
    return json.loads(run_import(path, organisation, "--json", *options))


def outcomes(report: dict) -> dict[str, str]:
    return {line["item"]: line["outcome"] for line in report["items"]}


# --- REST JSON ---------------------------------------------------------------------------


def test_a_messy_export_is_imported_as_press_releases(tmp_path, union):
    output = run_import(write(tmp_path, MESSY), union)
    assert "2 new, 0 updated, 0 unchanged, 0 skipped" in output

    published = Update.objects.get(source_id=101)
    assert published.kind == Update.Kind.PRESS_RELEASE
    assert published.origin == Update.Origin.IMPORTED
    assert published.organisation == union
    assert published.title == "Six weeks \u2013 and \u201cno answer\u201d & counting"
    assert published.source_url == "https://union.example.org/2024/03/six-weeks/"
    assert published.status == Update.Status.PUBLISHED
    assert published.published_at == datetime(2024, 3, 5, 14, 0, tzinfo=UTC)
    assert published.modified_at == datetime(2024, 3, 6, 15, 30, tzinfo=UTC)
    assert "The president wrote\non 22 January." in published.body_html
    assert "<strong>nothing</strong>" in published.body_html
    for bad in ("<script", "onclick", "onerror", "<img", "alert("):
        assert bad not in published.body_html
    assert published.summary == "The president wrote… still nothing"

    draft = Update.objects.get(source_id=102)
    assert draft.title == "Café meeting <notes>"
    assert draft.status == Update.Status.DRAFT
    assert draft.published_at is None
    # No date_gmt on the draft: its local 08:00 is read with the offset post 101 revealed
    # (local 09:00 = GMT 14:00, so the site is five hours behind GMT).
    assert draft.created_at == datetime(2024, 4, 1, 13, 0, tzinfo=UTC)


def test_imported_posts_show_on_the_press_page_with_their_original_link(client, tmp_path, union):
    run_import(write(tmp_path, MESSY), union)
    page = client.get(f"/o/{union.slug}/press/").content.decode()
    assert "Six weeks \u2013 and \u201cno answer\u201d &amp; counting" in page
    assert "Café meeting" not in page  # a draft
    release = Update.objects.get(source_id=101)
    detail = client.get(f"/o/{union.slug}/press/{release.pk}/").content.decode()
    assert 'href="https://union.example.org/2024/03/six-weeks/"' in detail
    assert "5 March 2024" in detail


def test_a_single_post_is_imported_with_its_content_made_plain(union):
    report = run_json(FIXTURES / "single-post.json", union)
    assert outcomes(report) == {"post 301": "imported"}
    release = Update.objects.get()
    assert release.title == "Council \u201cvotes\u201d on the depot & the buses"
    assert release.published_at == datetime(2024, 6, 10, 9, 30, tzinfo=UTC)  # date_gmt
    assert release.modified_at == datetime(2024, 6, 11, 6, 0, tzinfo=UTC)
    assert release.source_guid == "https://union.example.org/?p=301"
    body = release.body_html
    for gone in ("wp:paragraph", "<!--", "[caption", "[/caption]", "[contact-form-7", "<script"):
        assert gone not in body
    assert "<strong>Monday</strong>" in body
    assert "Two hundred drivers came." in body  # a caption's words stay
    assert "footnote [1]" in body  # brackets that are not a shortcode stay
    # images and embeds become links to their files, and the report names each one
    assert 'href="https://union.example.org/wp-content/uploads/2024/06/depot.jpg"' in body
    assert "Image: The depot at dawn" in body
    assert 'href="https://union.example.org/wp-content/uploads/2024/06/crowd.jpg"' in body
    assert body.count('href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"') == 1
    left = report["items"][0]["left_behind"]
    assert (
        "image https://union.example.org/wp-content/uploads/2024/06/depot.jpg (linked instead)"
        in left
    )
    assert (
        "image https://union.example.org/wp-content/uploads/2024/06/crowd.jpg (linked instead)"
        in left
    )
    assert "embed https://www.youtube.com/watch?v=dQw4w9WgXcQ (linked instead)" in left
    assert any("latest-posts" in note for note in left)
    assert any("contact-form-7" in note for note in left)


def test_the_text_report_names_each_item_and_what_was_left_behind(union):
    output = run_import(FIXTURES / "single-post.json", union)
    assert (
        "imported  post 301 “Council “votes” on the depot & the buses” as a published press release"
        in output
    )
    assert (
        "left behind: embed https://www.youtube.com/watch?v=dQw4w9WgXcQ (linked instead)" in output
    )


def test_two_pages_of_a_list_are_imported_from_files_or_a_folder(tmp_path, union):
    pages = [FIXTURES / "posts-page-1.json", FIXTURES / "posts-page-2.json"]
    report = run_json(pages, union)
    assert outcomes(report) == {
        "post 401": "imported",
        "post 402": "imported",
        "post 403": "imported",
    }

    folder = tmp_path / "download"
    folder.mkdir()
    for page in pages:
        shutil.copy(page, folder / page.name)
    again = run_json(folder, union)
    assert set(outcomes(again).values()) == {"unchanged"}
    assert Update.objects.count() == 3


def test_posts_in_the_press_category_are_press_releases_and_the_rest_need_a_petition(
    union, petition
):
    pages = [FIXTURES / "posts-page-1.json", FIXTURES / "posts-page-2.json"]
    report = run_json(pages, union, "--press-category", "Press releases")
    assert outcomes(report) == {
        "post 401": "imported",
        "post 402": "skipped",
        "post 403": "imported",
    }
    skipped = next(line for line in report["items"] if line["outcome"] == "skipped")
    assert "not in the press category “Press releases”" in skipped["reason"]
    assert skipped["left_behind"] == [] and skipped["kind"] == ""
    assert "--petition" in skipped["reason"]

    # by slug this time, with a petition for the rest
    run_import(pages, union, "--press-category", "press-releases", "--petition", petition.slug)
    kinds = dict(Update.objects.values_list("source_id", "kind"))
    assert kinds == {401: "press_release", 402: "update", 403: "press_release"}
    assert Update.objects.get(source_id=402).petition == petition


def test_importing_again_updates_what_changed_and_leaves_the_rest(tmp_path, union):
    run_import(write(tmp_path, MESSY), union)
    first = Update.objects.get(source_id=101)

    changed = json.loads(MESSY, strict=False)
    changed[0]["title"]["rendered"] = "Seven weeks &amp; still counting"
    changed[0]["modified_gmt"] = "2024-03-12T09:00:00"
    output = run_import(write(tmp_path, changed), union)

    assert "0 new, 1 updated, 1 unchanged, 0 skipped" in output
    assert Update.objects.count() == 2
    again = Update.objects.get(source_id=101)
    assert again.pk == first.pk
    assert again.title == "Seven weeks & still counting"
    assert again.modified_at == datetime(2024, 3, 12, 9, 0, tzinfo=UTC)
    assert again.published_at == first.published_at


def test_importing_the_same_export_twice_changes_nothing(union):
    run_import(FIXTURES / "export.xml", union)
    before = list(Update.objects.order_by("pk").values())
    report = run_json(FIXTURES / "export.xml", union)
    assert report["totals"]["imported"] == report["totals"]["updated"] == 0
    assert report["totals"]["unchanged"] == 4
    assert list(Update.objects.order_by("pk").values()) == before


def test_a_post_whose_id_changed_is_recognised_by_its_link(tmp_path, union):
    run_import(write(tmp_path, [post(1)]), union)
    moved = post(900, link="https://union.example.org/post-1/", title={"rendered": "Moved"})
    run_import(write(tmp_path, [moved]), union)
    only = Update.objects.get()
    assert (only.source_id, only.title) == (900, "Moved")


def test_a_post_whose_link_changed_is_recognised_by_its_guid(tmp_path, union):
    guid = {"rendered": "https://union.example.org/?p=5"}
    run_import(write(tmp_path, [post(5, guid=guid)]), union)
    renamed = post(5, guid=guid, link="https://union.example.org/renamed/")
    run_import(write(tmp_path, [renamed]), union)
    only = Update.objects.get()
    assert only.source_url == "https://union.example.org/renamed/"
    # both addresses it ever had lead to it
    assert sorted(only.old_permalinks.values_list("path", flat=True)) == ["/post-5/", "/renamed/"]


def test_another_organisation_gets_its_own_copy(tmp_path, union, charlie):
    club = charlie.organisations.get()
    run_import(write(tmp_path, [post(1)]), union)
    run_import(write(tmp_path, [post(1)]), club)
    assert Update.objects.filter(source_id=1).count() == 2


def test_a_post_with_an_unusable_field_is_skipped_with_the_reason(tmp_path, union):
    report = run_json(
        write(tmp_path, [post(1), post(2, link="javascript:alert(1)"), post(3)]), union
    )
    assert outcomes(report) == {"post 1": "imported", "post 2": "skipped", "post 3": "imported"}
    assert 'field "link"' in report["items"][1]["reason"]
    assert sorted(Update.objects.values_list("source_id", flat=True)) == [1, 3]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"date_gmt": "last tuesday", "date": "x"}, "field \"date_gmt\": 'last tuesday'"),
        ({"link": "javascript:alert(1)"}, 'field "link"'),
        ({"content": "<p>not an object</p>"}, 'field "content.rendered": is not an object'),
        ({"id": "abc"}, "field \"id\": 'abc'"),
    ],
)
def test_each_kind_of_bad_field_is_named(tmp_path, union, fields, reason):
    report = run_json(write(tmp_path, [post(1, **fields)]), union)
    assert report["items"][0]["outcome"] == "skipped"
    assert reason in report["items"][0]["reason"]
    assert not Update.objects.exists()


@pytest.mark.parametrize(
    ("status", "expected"),
    [("publish", "published"), ("future", "draft"), ("private", "draft"), ("pending", "draft"),
     ("exploded", "draft")],
)  # fmt: skip
def test_only_a_published_post_is_published(tmp_path, union, status, expected):
    run_import(write(tmp_path, [post(1, status=status)]), union)
    assert Update.objects.get().status == expected


def test_a_password_protected_post_comes_in_as_a_draft_with_a_warning(tmp_path, union):
    protected = post(1, content={"rendered": "", "protected": True})
    report = run_json(write(tmp_path, [protected]), union)
    assert Update.objects.get().status == "draft"
    assert "password-protected" in report["items"][0]["warning"]


def test_the_same_post_twice_in_one_run_is_imported_once(tmp_path, union):
    report = run_json(write(tmp_path, [post(1), post(1)]), union)
    assert [line["outcome"] for line in report["items"]] == ["imported", "skipped"]
    assert "the same post as post 1 (item 1" in report["items"][1]["reason"]
    assert Update.objects.count() == 1


def test_a_wordpress_error_answer_is_recognised(tmp_path, union):
    answer = {"code": "rest_forbidden", "message": "Sorry, you are not allowed to do that."}
    with pytest.raises(CommandError, match="not allowed to do that"):
        run_import(write(tmp_path, answer), union)


def test_an_unknown_organisation_is_refused(tmp_path, db):
    with pytest.raises(CommandError, match="no organisation with the slug"):
        call_command("import_wordpress", str(write(tmp_path, [post(1)])), "--organisation", "nope")


def test_an_unknown_petition_is_refused(tmp_path, union):
    with pytest.raises(CommandError, match="has no petition with the slug “nope”"):
        run_import(write(tmp_path, [post(1)]), union, "--petition", "nope")


def test_a_failure_at_one_post_keeps_the_posts_before_it_and_says_so(tmp_path, union, monkeypatch):
    copy = actions._copy_post
    calls = []

    def fail_on_the_seventh(update, imported, **kwargs):
        calls.append(imported.source_id)
        if len(calls) == 7:
            raise RuntimeError("disk full")
        copy(update, imported, **kwargs)

    monkeypatch.setattr(actions, "_copy_post", fail_on_the_seventh)
    out = StringIO()
    with pytest.raises(CommandError) as error:
        call_command(
            "import_wordpress",
            str(write(tmp_path, [post(i) for i in range(1, 11)])),
            "--organisation",
            union.slug,
            stdout=out,
        )
    message = str(error.value)
    assert "Stopped at post 7" in message and "disk full" in message
    assert "The 6 items before it were kept; nothing after it was imported" in message
    assert "6 new" in out.getvalue()
    assert sorted(Update.objects.values_list("source_id", flat=True)) == [1, 2, 3, 4, 5, 6]


# --- WXR ---------------------------------------------------------------------------------


def test_a_wxr_export_brings_posts_and_pages_and_keeps_attachments_as_links(union, alice):
    report = run_json(FIXTURES / "export.xml", union)
    assert outcomes(report) == {
        "attachment 88": "skipped",
        "post 501": "imported",
        "post 502": "imported",
        "page 12": "imported",
        "nav_menu_item 600": "skipped",
        "post 503": "imported",
    }
    lines = {line["item"]: line for line in report["items"]}
    assert (
        "posts link to it at https://union.example.org/wp-content/uploads/2024/06/depot.jpg"
        in (lines["attachment 88"]["reason"])
    )
    assert "not a post or page" in lines["nav_menu_item 600"]["reason"]

    walk_out = Update.objects.get(source_id=501)
    assert walk_out.title == "Drivers \u201cwalk out\u201d at dawn & the depot shuts"
    assert walk_out.published_at == datetime(2024, 6, 11, 5, 15, tzinfo=UTC)
    assert walk_out.author == alice  # matched to a member by email
    assert walk_out.summary == "The first shift stayed out."
    assert "Solidarity" not in walk_out.body_html  # comments are not imported
    assert "[sic]" in walk_out.body_html
    # the gallery's attachment in this export is linked; the missing one is named
    assert (
        'href="https://union.example.org/wp-content/uploads/2024/06/depot.jpg"'
        in walk_out.body_html
    )
    assert (
        "gallery of 2 attachments (1 linked instead; 89 not in this export)"
        in (lines["post 501"]["left_behind"])
    )
    assert any("featured image" in note for note in lines["post 501"]["left_behind"])

    fun_day = Update.objects.get(source_id=502)
    assert fun_day.author is None
    assert "https://www.google.com/maps/embed?pb=xyz" in fun_day.body_html
    assert (
        "embed https://www.google.com/maps/embed?pb=xyz (linked instead)"
        in (lines["post 502"]["left_behind"])
    )
    assert any("stringer" in note and "not a member" in note for note in report["authors"])

    assert Update.objects.get(source_id=12).title == "About the union"
    notes = Update.objects.get(source_id=503)
    assert notes.status == "draft"
    # no GMT date on the draft: its local time with the site's offset (two hours ahead)
    assert notes.created_at == datetime(2024, 6, 13, 7, 0, tzinfo=UTC)


def test_wxr_categories_and_tags_choose_press_releases(union, petition):
    report = run_json(
        FIXTURES / "export.xml", union, "--press-category", "press-releases", "--petition",
        petition.slug,
    )  # fmt: skip
    assert report["totals"]["imported"] == 4
    kinds = dict(Update.objects.values_list("source_id", "kind"))
    assert kinds == {501: "press_release", 503: "press_release", 502: "update", 12: "update"}


def test_an_old_permalink_redirects_to_the_imported_post(client, union):
    run_import(FIXTURES / "export.xml", union)
    walk_out = Update.objects.get(source_id=501)
    response = client.get("/2024/06/walk-out/")
    assert response.status_code == 301
    assert response["Location"] == walk_out.get_absolute_url()
    assert client.get("/2024/06/walk-out").status_code == 301  # without the slash too
    assert ImportedPermalink.objects.filter(host="union.example.org", path="/about/").exists()
    # a draft's old address reveals nothing
    assert client.get("/?p=503").status_code == 200  # the home page, untouched
    Update.objects.filter(pk=walk_out.pk).update(status="draft")
    assert client.get("/2024/06/walk-out/").status_code == 404


def test_a_dry_run_reports_and_writes_nothing(union):
    output = run_import(FIXTURES / "export.xml", union, "--dry-run")
    assert "Would import into Federal Officers Union: 4 new" in output
    assert "Dry run: nothing was written." in output
    assert not Update.objects.exists()
    assert not ImportedPermalink.objects.exists()


def test_the_json_report_is_machine_readable(union):
    report = run_json(FIXTURES / "export.xml", union)
    assert report["organisation"] == "Federal Officers Union"
    assert report["dry_run"] is False
    assert report["totals"] == {"imported": 4, "updated": 0, "unchanged": 0, "skipped": 2}
    line = next(line for line in report["items"] if line["item"] == "post 501")
    assert line["link"] == "https://union.example.org/2024/06/walk-out/"
    assert line["kind"] == "press release" and line["status"] == "published"
    assert line["file"].endswith("export.xml") and line["index"] == 2


# --- Bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a binary file"),
        (b"\xff\xfe\xfa\xfb" * 100, "is not UTF-8 text"),
        (
            (FIXTURES / "html-error-page.json").read_bytes(),
            "is an HTML page, not a WordPress export",
        ),
        ((FIXTURES / "atom-feed.xml").read_bytes(), "its root element is <feed>"),
        ((FIXTURES / "rss-feed.xml").read_bytes(), "is an RSS feed, not a WordPress export"),
        ((FIXTURES / "entity-bomb.xml").read_bytes(), "declares a DTD or entities"),
        (b"", "is empty"),
        (b"  \n", "is empty"),
        (b"hello", "neither JSON nor XML"),
        (b'{"name": "My site"}', "is JSON but not a WordPress post"),
    ],
)
def test_input_that_is_not_an_export_is_refused_and_nothing_is_written(
    tmp_path, union, content, message
):
    good = write(tmp_path, [post(1)], name="a-good-page.json")
    bad = write(tmp_path, content, name="z-bad.json")
    with pytest.raises(CommandError, match=message):
        run_import([good, bad], union)
    assert not Update.objects.exists()


def test_a_missing_file_and_an_empty_folder_are_refused(tmp_path, union):
    with pytest.raises(CommandError, match="does not exist"):
        run_import(tmp_path / "nope.json", union)
    (tmp_path / "empty").mkdir()
    with pytest.raises(CommandError, match=r"a folder with no \.json or \.xml files"):
        run_import(tmp_path / "empty", union)


def test_a_refusal_is_machine_readable_with_json(tmp_path, union):
    out = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_wordpress", str(write(tmp_path, b"")), "--organisation", union.slug,
            "--json", stdout=out,
        )  # fmt: skip
    assert json.loads(out.getvalue())["error"].endswith("is empty.")
