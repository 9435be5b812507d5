from django.contrib.sitemaps.views import sitemap
from django.urls import path

from groundswell.updates import feeds, views
from groundswell.updates.sitemaps import SITEMAPS

app_name = "updates"
urlpatterns = [
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    # A petition's updates: public, then the organiser's.
    path("p/<slug:slug>/updates/", views.petition_updates, name="petition_updates"),
    path("p/<slug:slug>/updates/<int:pk>/", views.petition_update, name="petition_update"),
    path("p/<slug:slug>/updates/new/", views.new_update, name="new_update"),
    path("p/<slug:slug>/updates/settings/", views.update_settings, name="settings"),
    path("p/<slug:slug>/feed/", feeds.PetitionFeed(), name="petition_feed"),
    # An organisation's press releases.
    path("o/<slug:slug>/press/", views.press_list, name="press_list"),
    path("o/<slug:slug>/press/<int:pk>/", views.press_release, name="press_release"),
    path("o/<slug:slug>/press/new/", views.new_press_release, name="new_press_release"),
    path("o/<slug:slug>/press/manage/", views.press_manage, name="press_manage"),
    path("o/<slug:slug>/feed/", feeds.OrganisationFeed(), name="organisation_feed"),
    # One update or press release, for its organisation's members.
    path("updates/<int:pk>/edit/", views.edit, name="edit"),
    path("updates/<int:pk>/preview/", views.preview, name="preview"),
    path("updates/<int:pk>/test-send/", views.test_send, name="test_send"),
    path("updates/<int:pk>/publish/", views.publish, name="publish"),
    path("updates/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("updates/<int:pk>/mail/", views.mail, name="mail"),
    # From the emails: one click, no account.
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
