"""How long importing a large WordPress export takes, and how much memory it needs.

    .venv/bin/python bench/wordpress_import.py                 # 10,000 posts into SQLite
    .venv/bin/python bench/wordpress_import.py --posts 2000 --keep /tmp/export.xml

Writes a WXR export in WordPress's shape (posts with Gutenberg blocks, images, a caption
and a gallery shortcode, categories and tags, one attachment per ten posts, a few pages,
drafts and comments), migrates a fresh SQLite database in a temporary VAR_DIR, then runs
``manage.py import_wordpress`` twice: the first run imports everything, the second finds
everything unchanged. Each run's wall time and peak resident memory (the child's own
rusage, from wait4) are printed and appended to var/bench/results.jsonl.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Bench Union</title><link>https://bench.example.org</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[editor]]></wp:author_login><wp:author_email><![CDATA[editor@bench.example.org]]></wp:author_email><wp:author_display_name><![CDATA[Editor]]></wp:author_display_name></wp:author>
"""
PARAGRAPH = (
    "<!-- wp:paragraph -->\n<p>Paragraph {p} of post {n}: the members met, the employer "
    "answered, and the <strong>ballot</strong> goes on &amp; on. "
    + "More words about the campaign and what comes next. " * 6
    + "</p>\n<!-- /wp:paragraph -->\n"
)


def item(n: int, kind: str = "post", status: str = "publish") -> str:
    day = f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}"
    category = "press" if n % 3 == 0 else "news"
    body = "".join(PARAGRAPH.format(p=p, n=n) for p in range(4))
    body += (
        f'[caption id="attachment_{n}" width="640"]<img src="/wp-content/uploads/{n}.jpg" '
        f'alt="Photo {n}" /> A caption[/caption]\n[gallery ids="{n},{n + 1}"]\n'
    )
    return f"""<item>
<title><![CDATA[Post {n} &#8211; &#8220;news&#8221; &amp; more]]></title>
<link>https://bench.example.org/{day[:7].replace("-", "/")}/post-{n}/</link>
<pubDate>Mon, 01 Jan 2024 10:00:00 +0000</pubDate>
<dc:creator><![CDATA[editor]]></dc:creator>
<guid isPermaLink="false">https://bench.example.org/?p={n}</guid>
<description></description>
<content:encoded><![CDATA[{body}]]></content:encoded>
<excerpt:encoded><![CDATA[Summary of post {n}.]]></excerpt:encoded>
<wp:post_id>{n}</wp:post_id>
<wp:post_date><![CDATA[{day} 12:00:00]]></wp:post_date>
<wp:post_date_gmt><![CDATA[{day} 10:00:00]]></wp:post_date_gmt>
<wp:post_modified><![CDATA[{day} 12:00:00]]></wp:post_modified>
<wp:post_modified_gmt><![CDATA[{day} 10:00:00]]></wp:post_modified_gmt>
<wp:post_name><![CDATA[post-{n}]]></wp:post_name>
<wp:status><![CDATA[{status}]]></wp:status>
<wp:post_type><![CDATA[{kind}]]></wp:post_type>
<wp:post_password><![CDATA[]]></wp:post_password>
<category domain="category" nicename="{category}"><![CDATA[{category.title()}]]></category>
<category domain="post_tag" nicename="tag-{n % 50}"><![CDATA[Tag {n % 50}]]></category>
<wp:comment><wp:comment_id>{n}</wp:comment_id>
<wp:comment_content><![CDATA[{escape("Well done!")}]]></wp:comment_content></wp:comment>
</item>
"""


def attachment(n: int) -> str:
    return f"""<item><title>Photo {n}</title><link>https://bench.example.org/photo-{n}/</link>
<guid isPermaLink="false">https://bench.example.org/wp-content/uploads/{n}.jpg</guid>
<wp:post_id>{n}</wp:post_id><wp:post_type><![CDATA[attachment]]></wp:post_type>
<wp:attachment_url><![CDATA[https://bench.example.org/wp-content/uploads/{n}.jpg]]></wp:attachment_url>
</item>
"""


def write_export(path: Path, posts: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        for n in range(1, posts + 1):
            status = "draft" if n % 25 == 0 else "publish"
            kind = "page" if n % 100 == 0 else "post"
            out.write(item(n, kind, status))
            if n % 10 == 0:
                out.write(attachment(1_000_000 + n))
        out.write("</channel>\n</rss>\n")


def timed(command: list[str], env: dict) -> dict:
    """Wall and CPU seconds, peak RSS in MB, and exit status of one child process. On a
    shared machine the wall time includes waiting for a core; CPU time does not."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, cwd=ROOT)
    _pid, status, usage = os.wait4(child.pid, 0)
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mb": usage.ru_maxrss // 1024,
        "exit": os.waitstatus_to_exitcode(status),
        "load": round(os.getloadavg()[0], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="Write the export here and keep it.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gs-wp-bench-") as tmp:
        var = Path(tmp)
        export = args.keep or var / "export.xml"
        write_export(export, args.posts)
        env = {**os.environ, "VAR_DIR": str(var), "DATABASE_URL": "", "DEBUG": "1"}
        subprocess.run([PY, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        setup = (
            "from groundswell.accounts.models import User\n"
            "from groundswell.accounts.actions import create_organisation\n"
            "u = User.objects.create_user('editor@bench.example.org', 'x' * 20, name='Editor')\n"
            "create_organisation(name='Bench Union', owner=u)\n"
        )
        subprocess.run([PY, "manage.py", "shell", "-c", setup], env=env, cwd=ROOT, check=True)
        size = export.stat().st_size / 1e6
        print(f"{args.posts:,} posts in a {size:.1f} MB WXR file")
        command = [PY, "manage.py", "import_wordpress", str(export), "--organisation"]
        results = []
        for run in ("first import", "same file again"):
            result = timed([*command, "bench-union"], env)
            print(
                f"{run}: {result['seconds']} s ({result['cpu_seconds']} s of CPU), peak RSS "
                f"{result['peak_rss_mb']} MB, exit {result['exit']}, load {result['load']}"
            )
            results.append({"run": run, **result})
            if result["exit"] != 0:
                return result["exit"]
        out = ROOT / "var" / "bench"
        out.mkdir(parents=True, exist_ok=True)
        with (out / "results.jsonl").open("a") as log:
            record = {"scenario": "wordpress_import", "posts": args.posts, "mb": round(size, 1)}
            log.write(json.dumps({**record, "runs": results}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
