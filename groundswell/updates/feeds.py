"""Atom feeds of published updates: one per petition, one per organisation."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from groundswell.core.emails import absolute
from groundswell.petitions.models import Petition
from groundswell.updates.access import public_organisation
from groundswell.updates.models import Update

ITEMS = 30


class AtomWithContent(Atom1Feed):
    """Atom with each item's full HTML in <content>, the summary in <summary>."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content"], {"type": "html"})


class _UpdatesFeed(Feed):
    feed_type = AtomWithContent

    def item_title(self, item: Update) -> str:
        return item.title

    def item_description(self, item: Update) -> str:
        return item.summary or item.body_html

    def item_extra_kwargs(self, item: Update) -> dict:
        return {"content": item.body_html}

    def item_link(self, item: Update) -> str:
        return absolute(item.get_absolute_url())

    def item_pubdate(self, item: Update):
        return item.published_at

    def item_updateddate(self, item: Update):
        return max(item.modified_at, item.published_at)

    def item_author_name(self, item: Update) -> str:
        return item.organisation.name


class PetitionFeed(_UpdatesFeed):
    def get_object(self, request, slug):
        petition = Petition.objects.public().select_related("organisation").filter(slug=slug)
        if not petition:
            raise Http404(_("No public petition here."))
        return petition[0]

    def title(self, petition: Petition) -> str:
        return _("Updates: %(title)s") % {"title": petition.title}

    def subtitle(self, petition: Petition) -> str:
        return _("News from %(organisation)s about this petition.") % {
            "organisation": petition.organisation.name
        }

    def link(self, petition: Petition) -> str:
        return absolute(petition.get_absolute_url())

    def feed_url(self, petition: Petition) -> str:
        return absolute(reverse("updates:petition_feed", args=[petition.slug]))

    def items(self, petition: Petition):
        return Update.objects.public().filter(petition=petition).with_links().newest_first()[:ITEMS]


class OrganisationFeed(_UpdatesFeed):
    def get_object(self, request, slug):
        return public_organisation(slug)

    def title(self, organisation) -> str:
        return _("%(organisation)s: news and press releases") % {"organisation": organisation.name}

    def subtitle(self, organisation) -> str:
        return _("Press releases and campaign updates from %(organisation)s.") % {
            "organisation": organisation.name
        }

    def link(self, organisation) -> str:
        return absolute(reverse("updates:press_list", args=[organisation.slug]))

    def feed_url(self, organisation) -> str:
        return absolute(reverse("updates:organisation_feed", args=[organisation.slug]))

    def items(self, organisation):
        return (
            Update.objects.public()
            .filter(organisation=organisation)
            .with_links()
            .newest_first()[:ITEMS]
        )
