"""/sitemap.xml: public petitions, published updates and press releases."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap

from groundswell.petitions.models import Petition
from groundswell.updates.models import Update


class _SiteSitemap(Sitemap):
    """Addresses on SITE_URL, whatever Host header the request came with."""

    limit = 5000

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(settings.SITE_URL).scheme


class PetitionSitemap(_SiteSitemap):
    changefreq = "hourly"

    def items(self):
        # Open letters too, at their own address (get_absolute_url reads the kind).
        return Petition.objects.public().only("slug", "kind", "updated_at").order_by("pk")

    def lastmod(self, petition: Petition):
        return petition.updated_at


class UpdateSitemap(_SiteSitemap):
    changefreq = "weekly"

    def items(self):
        return Update.objects.public().with_links().order_by("pk")

    def lastmod(self, update: Update):
        return max(update.modified_at, update.published_at)


SITEMAPS = {"petitions": PetitionSitemap, "updates": UpdateSitemap}
