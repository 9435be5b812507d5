"""manage.py import_wordpress: messy real exports in, press releases out, all or nothing."""

import json
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from groundswell.updates import actions
from groundswell.updates.models import Update

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
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def run_import(path, organisation) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_wordpress", str(path), "--organisation", organisation.slug, stdout=out)
    return out.getvalue()


def test_a_messy_export_is_imported_as_press_releases(tmp_path, union):
    output = run_import(write(tmp_path, MESSY), union)
    assert "2 new, 0 updated" in output

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
    assert draft.created_at == datetime(2024, 4, 1, 8, 0, tzinfo=UTC)  # no date_gmt: date


def test_imported_posts_show_on_the_press_page_with_their_original_link(client, tmp_path, union):
    run_import(write(tmp_path, MESSY), union)
    page = client.get(f"/o/{union.slug}/press/").content.decode()
    assert "Six weeks \u2013 and \u201cno answer\u201d &amp; counting" in page
    assert "Café meeting" not in page  # a draft
    release = Update.objects.get(source_id=101)
    detail = client.get(f"/o/{union.slug}/press/{release.pk}/").content.decode()
    assert 'href="https://union.example.org/2024/03/six-weeks/"' in detail
    assert "5 March 2024" in detail


def test_a_single_post_object_is_accepted(tmp_path, union):
    run_import(write(tmp_path, post(7)), union)
    assert Update.objects.get().source_id == 7


def test_importing_again_updates_in_place(tmp_path, union):
    run_import(write(tmp_path, MESSY), union)
    first = Update.objects.get(source_id=101)

    changed = json.loads(MESSY, strict=False)
    changed[0]["title"]["rendered"] = "Seven weeks &amp; still counting"
    changed[0]["modified_gmt"] = "2024-03-12T09:00:00"
    output = run_import(write(tmp_path, changed), union)

    assert "0 new, 2 updated" in output
    assert Update.objects.count() == 2
    again = Update.objects.get(source_id=101)
    assert again.pk == first.pk
    assert again.title == "Seven weeks & still counting"
    assert again.modified_at == datetime(2024, 3, 12, 9, 0, tzinfo=UTC)
    assert again.published_at == first.published_at


def test_a_post_whose_id_changed_is_recognised_by_its_link(tmp_path, union):
    run_import(write(tmp_path, [post(1)]), union)
    moved = post(900, link="https://union.example.org/post-1/", title={"rendered": "Moved"})
    run_import(write(tmp_path, [moved]), union)
    only = Update.objects.get()
    assert (only.source_id, only.title) == (900, "Moved")


def test_another_organisation_gets_its_own_copy(tmp_path, union, charlie):
    club = charlie.organisations.get()
    run_import(write(tmp_path, [post(1)]), union)
    run_import(write(tmp_path, [post(1)]), club)
    assert Update.objects.filter(source_id=1).count() == 2


def test_a_broken_post_names_the_post_and_field_and_imports_nothing(tmp_path, union):
    run_import(write(tmp_path, [post(1, title={"rendered": "Before"})]), union)
    broken = [
        post(1, title={"rendered": "After"}),
        post(2),
        {k: v for k, v in post(3).items() if k != "title"},
    ]
    with pytest.raises(CommandError) as error:
        run_import(write(tmp_path, broken), union)
    assert 'Post 3 (id 3), field "title.rendered": is missing.' in str(error.value)
    assert "Nothing was imported" in str(error.value)
    assert list(Update.objects.values_list("source_id", "title")) == [(1, "Before")]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"date_gmt": "last tuesday", "date": "x"}, "field \"date_gmt\": 'last tuesday'"),
        ({"link": "javascript:alert(1)"}, 'field "link"'),
        ({"status": "exploded"}, 'field "status": “exploded” is not one of'),
        ({"content": "<p>not an object</p>"}, 'field "content.rendered": is not an object'),
        ({"id": "abc"}, 'Post 1 (no usable id), field "id"'),
    ],
)
def test_each_kind_of_bad_field_is_named(tmp_path, union, fields, message):
    with pytest.raises(CommandError) as error:
        run_import(write(tmp_path, [post(1, **fields)]), union)
    assert message in str(error.value)
    assert not Update.objects.exists()


def test_the_same_post_twice_in_one_file_is_refused(tmp_path, union):
    with pytest.raises(CommandError) as error:
        run_import(write(tmp_path, [post(1), post(1, link="https://union.example.org/x/")]), union)
    assert 'Post 2 (id 1), field "id": post 1 has the same id.' in str(error.value)


def test_a_file_that_is_not_json_says_where(tmp_path, union):
    with pytest.raises(CommandError) as error:
        run_import(write(tmp_path, '[{"id": 1,,}]'), union)
    assert "This is not JSON" in str(error.value) and "line 1, column" in str(error.value)


def test_a_wordpress_error_answer_is_recognised(tmp_path, union):
    answer = {"code": "rest_forbidden", "message": "Sorry, you are not allowed to do that."}
    with pytest.raises(CommandError, match="not allowed to do that"):
        run_import(write(tmp_path, answer), union)


def test_an_unknown_organisation_is_refused(tmp_path, db):
    with pytest.raises(CommandError, match="no organisation with the slug"):
        call_command("import_wordpress", str(write(tmp_path, [post(1)])), "--organisation", "nope")


def test_a_failure_while_writing_leaves_nothing_behind(tmp_path, union, monkeypatch):
    copy = actions._copy_post
    calls = []

    def fail_on_the_second(update, imported):
        calls.append(imported.source_id)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        copy(update, imported)

    monkeypatch.setattr(actions, "_copy_post", fail_on_the_second)
    with pytest.raises(RuntimeError):
        run_import(write(tmp_path, [post(1), post(2)]), union)
    assert not Update.objects.exists()
