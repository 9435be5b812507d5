"""``--from-url``: every page of a WordPress REST list, downloaded to a folder.

Follows ``Link: <…>; rel="next"`` when the site sends it, else counts up to
``X-WP-TotalPages``. Each request has a timeout, each answer a size cap, and the whole run a
page cap; pages are only followed on the same site. Any HTTP error, a timeout, or an answer
that is not JSON stops the download with a message naming the page, before anything is
imported.
"""

import json
import re
import socket
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from groundswell.updates.wordpress.items import BadFile

PER_PAGE = 100  # WordPress's maximum
MAX_PAGES = 1000
USER_AGENT = "Groundswell-import/1"
NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?', re.IGNORECASE)


def first_page_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadFile(f"“{url}” is not a web address (http:// or https://).")
    query = dict(parse_qsl(parts.query))
    query.setdefault("per_page", str(PER_PAGE))
    query.setdefault("_embed", "wp:term,wp:featuredmedia")  # category names, featured images
    return urlunsplit(parts._replace(query=urlencode(query)))


def download(url: str, folder: Path, *, timeout: float, max_bytes: int, say) -> dict[str, str]:
    """Save each page as page-0001.json, … in ``folder``; ``say`` is told of progress.
    Returns each file's path and the address it came from, in order."""
    url = first_page_url(url)
    site = urlsplit(url).netloc
    files: dict[str, str] = {}
    page, total = 1, None
    while url and page <= MAX_PAGES:
        body, headers = _get(url, timeout=timeout, max_bytes=max_bytes)
        path = folder / f"page-{page:04d}.json"
        path.write_bytes(body)
        files[str(path)] = url
        total = _int(headers.get("X-WP-TotalPages")) or total
        say(f"Downloaded page {page}{f' of {total}' if total else ''}: {url}")
        url = _next(url, headers, page, total, site)
        page += 1
    if url:
        raise BadFile(f"Stopped after {MAX_PAGES} pages; the site says there are more.")
    return files


def _next(url: str, headers, page: int, total: int | None, site: str) -> str | None:
    for value in headers.get_all("Link") or []:
        found = NEXT.search(value)
        if found:
            following = found.group(1)
            if urlsplit(following).netloc != site:
                raise BadFile(f"The next page is on another site ({following}); not followed.")
            return following
    if total and page < total:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        query["page"] = str(page + 1)
        return urlunsplit(parts._replace(query=urlencode(query)))
    return None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class _WebRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to another http(s) address (urllib would follow ftp://)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise BadFile(f"{req.full_url} redirects to {newurl}, which is not a web address.")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


OPENER = urllib.request.build_opener(_WebRedirects)


def _get(url: str, *, timeout: float, max_bytes: int):
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked: http or https)
        url, headers={"Accept": "application/json", "User-Agent": USER_AGENT}
    )
    try:
        with OPENER.open(request, timeout=timeout) as answer:
            body = answer.read(max_bytes + 1)
            headers = answer.headers
    except urllib.error.HTTPError as error:
        raise BadFile(_http_error(url, error)) from None
    except TimeoutError:
        raise BadFile(f"{url} did not answer within {timeout:g} seconds.") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise BadFile(f"{url} did not answer within {timeout:g} seconds.") from None
        raise BadFile(
            f"Cannot reach {url}: {getattr(reason, 'strerror', None) or reason}."
        ) from None
    if len(body) > max_bytes:
        raise BadFile(
            f"{url} sent more than {max_bytes:,} bytes, the limit for one page "
            "(--max-bytes raises it)."
        )
    kind = headers.get_content_type()
    if kind != "application/json" and body.lstrip()[:1] not in (b"[", b"{"):
        raise BadFile(
            f"{url} answered with {kind}, not the JSON of WordPress's REST API. Is this the "
            "address of /wp-json/wp/v2/posts?"
        )
    return body, headers


def _http_error(url: str, error: urllib.error.HTTPError) -> str:
    detail = ""
    try:
        data = json.loads(error.read(64 * 1024) or b"{}")
        if isinstance(data, dict) and data.get("message"):
            detail = f" WordPress says: {data['message']}"
    except (ValueError, OSError):
        pass
    hint = {
        400: " (a page past the last one, or a parameter WordPress does not know)",
        401: " (the site wants a login: this import reads public posts only)",
        403: " (the site refuses: its REST API may be switched off or protected)",
        404: " (no such address: the REST list is usually /wp-json/wp/v2/posts)",
        429: " (the site is limiting requests: try again later)",
    }.get(error.code, " (the site has a problem: try again later)" if error.code >= 500 else "")
    return f"{url} answered {error.code} {error.reason}{hint}.{detail} Nothing was imported."
