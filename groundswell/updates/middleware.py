"""Old WordPress permalinks lead to the imported post (docs/updates.md, "Import")."""

from django.http import HttpResponsePermanentRedirect

from groundswell.updates.models import ImportedPermalink


class OldPermalinkMiddleware:
    """On a 404, look the path up among imported posts' old addresses and redirect (301).

    Only 404s are looked up, so no page of this site is ever shadowed, and nothing is
    added to any other request. When the old site's domain points here, its links keep
    working; the old host is preferred when several sites had the same path. Only a public
    post is revealed: a draft's old address stays a 404.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        path = request.path
        alternative = path[:-1] if path.endswith("/") else path + "/"
        candidates = (
            ImportedPermalink.objects.filter(path__in=[path, alternative])
            .select_related("update__petition", "update__organisation")
            .order_by("pk")
        )
        host = request.get_host().lower()
        found = sorted(candidates[:20], key=lambda link: (link.host != host, link.path != path))
        for link in found:
            if link.update.is_public:
                return HttpResponsePermanentRedirect(link.update.get_absolute_url())
        return response
