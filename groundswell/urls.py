from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from django.views.static import serve

from groundswell.api.urls import api
from groundswell.core import views as core_views
from groundswell.core.origin import same_origin_post
from groundswell.moderation.urls import public_urlpatterns as public_moderation_urls
from groundswell.petitions import rights
from groundswell.petitions import views as petition_views

urlpatterns = [
    path("", petition_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    # The footer's language switcher: a cookie, no account. No CSRF token, so that pages
    # with the switcher stay shareable by the cache; cross-site posts are refused instead.
    path("language/", same_origin_post(set_language), name="set_language"),
    path("accounts/", include("groundswell.accounts.urls")),
    path("my-data/", rights.my_data, name="my_data"),
    path("my-data/erase/<str:token>/", rights.erase, name="my_data_erase"),
    path("accounts/", include("groundswell.integrations.urls")),
    path("p/", include("groundswell.petitions.urls")),
    # Each of these apps owns the paths it declares (targets/, p/<slug>/updates/, ...).
    path("", include("groundswell.targets.urls")),
    path("", include("groundswell.updates.urls")),
    path("", include("groundswell.letters.urls")),
    path("help/", include("groundswell.support.urls")),
    path("moderation/", include("groundswell.moderation.urls")),
    path("", include((public_moderation_urls, "moderation_public"))),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
]

if settings.DEBUG:
    urlpatterns.append(path("dev/", include("groundswell.core.dev_urls")))
